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

struct LoadOptions {
    // Called with 0..1 while tensors are checked and touched; return false to cancel.
    std::function<bool(float progress)> progress;
};

struct RoutingOverrides {
    int top_k = 0;                           // 0: the model's expert_used_count
    std::set<std::pair<int, int>> disabled;  // (layer, expert) pairs never selected
    bool dense = false;                      // run every expert (weights as the gating gives them)
};

}  // namespace moe
