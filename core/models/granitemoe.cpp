// IBM Granite MoE (`granitemoe`, Granite 3.0/3.1 MoE): Mixtral-style layers (interleaved rope,
// expert width = feed_forward_length, softmax top-k renormalised) with Granite's embedding,
// residual, attention and logit multipliers, and an optional ungated shared expert.
#include "models/architectures.h"
#include "models/metadata_reader.h"
#include "models/standard_attention.h"

namespace moe {

std::unique_ptr<Transformer> make_granitemoe(std::shared_ptr<const gguf::GgufFile> file, ModelConfig c) {
    const MetadataReader keys(*file, c.arch);
    c.rope.style = ops::RopeStyle::Norm;
    c.moe.weights_norm = true;
    c.n_ff_expert = c.n_ff_dense;
    c.n_ff_shared = static_cast<int>(keys.integer(MetaKey::ExpertSharedFeedForwardLength, 0, 0, 1 << 20));
    c.n_expert_shared = c.n_ff_shared > 0 ? 1 : 0;
    // An absent or zero multiplier is off, as in llama.cpp.
    auto multiplier = [&](MetaKey key) {
        const float v = keys.real(key, 0.0f);
        return v != 0.0f ? v : 1.0f;
    };
    c.embedding_scale = multiplier(MetaKey::EmbeddingScale);
    c.residual_scale = multiplier(MetaKey::ResidualScale);
    c.logit_scale = multiplier(MetaKey::LogitScale);
    const float attention_scale = keys.real(MetaKey::AttentionScale, 0.0f);
    if (attention_scale != 0.0f) c.attn_scale = attention_scale;
    plan_layers(c, [](int) { return true; });
    if (!keys.flag(MetaKey::RopeScalingFinetuned, true))  // Granite's switch for rope
        for (LayerPlan& layer : c.layers) layer.attention = AttentionKind::NoRope;
    return std::make_unique<StandardTransformer>(std::move(file), std::move(c));
}

}  // namespace moe
