// The types the models share with the engine's API: errors, load options and routing
// overrides. They live here so that models/ does not depend on engine/ (the engine uses models).
#pragma once

#include <functional>
#include <set>
#include <stdexcept>
#include <utility>

namespace moe {

// A problem the user can fix (bad file, unsupported type, prompt too long): the message is
// meant to be shown as is.
class EngineError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Thrown from load or generate when the cancel flag / progress callback asked to stop.
class Cancelled : public std::runtime_error {
public:
    Cancelled() : std::runtime_error("cancelled") {}
};

// Where a loaded model's weights live (util/huge_pages.h says why it matters).
enum class WeightMemory {
    Auto,         // HugePages where the kernel offers them and the weights fit (at most 3/4 of the
                  // available memory); FileMapping otherwise
    HugePages,    // a copy in 2 MiB pages: a decode streams them 15–25 % faster on the dev VM
    FileMapping,  // read through the file's mapping: no copy, and a model larger than memory opens
};

struct LoadOptions {
    // Called with 0..1 while tensors are copied, checked and touched; return false to cancel.
    std::function<bool(float progress)> progress;
    WeightMemory weights = WeightMemory::Auto;
    // A copy may store Q4_K and Q5_0 rows in groups of 16 (quant/row_groups.h), for the 8-bit products.
    // sake. Runs on F32 activations (--exact) lay each group out plainly again in every product,
    // at about two thirds of their speed on plain rows, so they load with false.
    bool group_rows = true;
};

struct RoutingOverrides {
    int top_k = 0;                           // 0: the model's expert_used_count
    std::set<std::pair<int, int>> disabled;  // (layer, expert) pairs never selected
    bool dense = false;                      // run every expert (weights as the gating gives them)
};

}  // namespace moe
