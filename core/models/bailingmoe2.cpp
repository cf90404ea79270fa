// inclusionAI Ling 2.0 (`bailingmoe2`, Ling-mini-2.0 / Ling-flash-2.0): one fused q/k/v
// weight, per-head q/k norm, NEOX rope over part of each head, leading dense blocks, then
// DeepSeek-V3-style routing (sigmoid, selection bias, expert groups, normalised and scaled
// weights) with a shared expert. Trailing next-token-prediction blocks are skipped.
#include "models/architectures.h"
#include "models/metadata_reader.h"
#include "models/standard_attention.h"

namespace moe {

std::unique_ptr<Transformer> make_bailingmoe2(std::shared_ptr<const gguf::GgufFile> file, ModelConfig c) {
    const MetadataReader keys(*file, c.arch);
    c.n_layer -= static_cast<int>(keys.integer(MetaKey::NextnPredictLayers, 0, 0, c.n_layer - 1));
    c.rope.style = ops::RopeStyle::Neox;
    c.qk_norm = QkNorm::PerHead;
    c.fused_qkv = true;
    const int64_t gating = keys.integer(MetaKey::ExpertGatingFunc, 0, 1, 2, true);
    c.moe.gating = gating == 2 ? Gating::Sigmoid : Gating::Softmax;
    c.moe.weights_norm = keys.flag(MetaKey::ExpertWeightsNorm, false);
    c.moe.weights_scale = keys.real(MetaKey::ExpertWeightsScale, 1.0f);
    if (c.moe.weights_scale == 0.0f) c.moe.weights_scale = 1.0f;
    c.n_expert_shared = static_cast<int>(keys.integer(MetaKey::ExpertSharedCount, 0, 1, 64, true));
    const int64_t shared_width = keys.integer(MetaKey::ExpertSharedFeedForwardLength, 0, 0, 1 << 20);
    c.n_ff_shared = static_cast<int>((shared_width > 0 ? shared_width : c.n_ff_expert) * c.n_expert_shared);
    const int64_t n_dense = keys.integer(MetaKey::LeadingDenseBlockCount, 0, 0, c.n_layer);
    plan_layers(c, [&](int il) { return il >= n_dense; });
    return std::make_unique<StandardTransformer>(std::move(file), std::move(c));
}

}  // namespace moe
