// Multi-head attention with grouped K/V heads (reference §3.3), shared by qwen2moe, qwen3moe,
// llama (Mixtral) and olmoe; their differences are ModelConfig flags.
#pragma once

#include "models/transformer.h"

namespace moe {

class StandardTransformer : public Transformer {
public:
    StandardTransformer(std::shared_ptr<const gguf::GgufFile> file, ModelConfig config)
        : Transformer(std::move(file), std::move(config)), rope_(config_.rope) {}

    std::string attention_summary() const override;

protected:
    void load_attention(TensorLoader& loader, int layer, LayerWeights& w) override;
    std::pair<int, int> cache_widths() const override;
    std::vector<Weight> attention_weights(const LayerWeights& w) const override;
    double attention_macs_per_position() const override;
    void attention(int layer, const float* x, int n, int pos0, float* out, KvCache& cache,
                   ThreadPool& pool) const override;

private:
    ops::Rope rope_;
};

}  // namespace moe
