// The options analyze and compare share for routing traces: what an imported trace does not
// say and a model does (import/trace_layout.h).
//   -m MODEL.gguf              its MoE blocks, expert count and name; its tokenizer decodes ids
//   --first-moe-layer N        without a model: the block of MoE layer 0 (vLLM numbers 0..L-1)
//   --moe-layer-interval I     ... and the blocks from one MoE layer to the next (default 1)
//   --tokenizer VOCAB.gguf     decodes the token ids (any GGUF with the trace's vocabulary)
#pragma once

#include <iosfwd>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "analysis/routing_table.h"
#include "arguments.h"
#include "import/trace_reader.h"

namespace moe {
class Model;
class Tokenizer;
namespace gguf {
class GgufFile;
}
}  // namespace moe

namespace moe::cli {

class InterruptFlag;

class TraceOptions {
public:
    // The value flags above, for the command's Arguments.
    static const std::set<std::string>& flags();

    // Range-checks the flags (UsageError) and opens -m / --tokenizer (errors name the file).
    explicit TraceOptions(const Arguments& arguments);
    ~TraceOptions();

    bool has_model() const { return model_ != nullptr; }
    int model_expert_count() const;  // 0 without -m
    void set_expert_count(int n_expert) { read_.n_expert = n_expert; }

    // Routing traces (CSV, .npz, vLLM JSON) read into one table, each file its own sequences,
    // mapped to the model's layout; token ids decoded when a file has no texts and a tokenizer
    // was given. Throws import::ReadCancelled on Ctrl+C.
    analysis::RoutingTable read(const std::vector<std::string>& paths, const InterruptFlag& interrupt,
                                std::ostream& err) const;

private:
    import::TraceReadOptions read_;
    std::shared_ptr<const Model> model_;
    std::unique_ptr<gguf::GgufFile> vocab_file_;
    std::unique_ptr<Tokenizer> vocab_;
    const Tokenizer* tokenizer_ = nullptr;  // --tokenizer, else -m's, else none
};

}  // namespace moe::cli
