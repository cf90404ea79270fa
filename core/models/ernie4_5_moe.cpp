// Baidu ERNIE 4.5 MoE (`ernie4_5-moe`, ERNIE-4.5-21B-A3B / 300B-A47B): interleaved rope,
// softmax top-k renormalised with a selection bias, an ungated shared expert, and MoE on every
// interleave_moe_layer_step-th block from leading_dense_block_count on (llama.cpp's rule).
#include "models/architectures.h"
#include "models/metadata_reader.h"
#include "models/standard_attention.h"

namespace moe {

std::unique_ptr<Transformer> make_ernie4_5_moe(std::shared_ptr<const gguf::GgufFile> file, ModelConfig c) {
    const MetadataReader keys(*file, c.arch);
    c.rope.style = ops::RopeStyle::Norm;
    c.moe.weights_norm = true;
    c.n_ff_shared = static_cast<int>(keys.integer(MetaKey::ExpertSharedFeedForwardLength, 0, 0, 1 << 20));
    c.n_expert_shared = c.n_ff_shared > 0 ? static_cast<int>(keys.integer(MetaKey::ExpertSharedCount, 1, 1, 64)) : 0;
    const int64_t n_dense = keys.integer(MetaKey::LeadingDenseBlockCount, 0, 0, c.n_layer);
    const int64_t step = keys.integer(MetaKey::InterleaveMoeLayerStep, 1, 1, c.n_layer, true);
    plan_layers(c, [&](int il) { return il >= n_dense && (il + 1) % step == 0; });
    return std::make_unique<StandardTransformer>(std::move(file), std::move(c));
}

}  // namespace moe
