// Builds the small GGUF models the engine tests run on.
#pragma once

#include <functional>
#include <string>

#include "engine/engine.h"
#include "gguf/gguf_file.h"
#include "models/synthetic_model.h"

namespace moe::test {

// A synthetic model in a fresh temp folder; returns its path.
std::string synth_model(const std::string& arch, GgmlType type = GgmlType::F32, uint64_t seed = 7,
                        bool legacy_kv_b = false);

// Copies a GGUF, letting `edit` change metadata and tensors on the way (a tensor edit may
// replace name, type, shape and bytes). Returns the new file's path.
struct TensorCopy {
    std::string name;
    GgmlType type;
    std::vector<int64_t> ne;
    std::vector<uint8_t> data;
};
std::string rewrite_model(const std::string& source, const std::string& file_name,
                          const std::function<void(gguf::GgufWriter&, std::vector<TensorCopy>&)>& edit);

// Keeps every trace it is handed.
class RecordingObserver : public TraceObserver {
public:
    void on_token(const TokenTrace& trace) override { traces.push_back(trace); }
    std::vector<TokenTrace> traces;
};

// Greedy generation of n tokens that ignores end-of-sequence tokens.
GenerationRequest greedy_request(const std::string& prompt, int n);

}  // namespace moe::test
