// Zhipu GLM-4.5 / 4.5-Air / 4.6 / 4.7 (`glm4moe`): q/k/v biases, optional per-head q/k norm,
// NEOX rope over part of each head, post_attention_norm before the FFN, leading dense blocks,
// then sigmoid gating with a selection bias (DeepSeek-V3's) and a shared expert on every MoE
// block. The last nextn_predict_layers blocks are multi-token-prediction heads that llama.cpp
// does not run: their tensors stay in the file, unused.
#include "gguf/gguf_file.h"
#include "models/architectures.h"
#include "models/metadata_reader.h"
#include "models/standard_attention.h"

namespace moe {

std::unique_ptr<Transformer> make_glm4moe(std::shared_ptr<const gguf::GgufFile> file, ModelConfig c) {
    const MetadataReader keys(*file, c.arch);
    c.n_layer -= static_cast<int>(keys.integer(MetaKey::NextnPredictLayers, 0, 0, c.n_layer - 1));
    c.rope.style = ops::RopeStyle::Neox;
    c.attn_bias = true;
    if (file->find_tensor(tensor_name(TensorRole::AttnQNorm, 0))) c.qk_norm = QkNorm::PerHead;
    c.ffn_norm = TensorRole::AttnPostNorm;
    const int64_t gating = keys.integer(MetaKey::ExpertGatingFunc, 0, 0, 2);
    c.moe.gating = gating == 1 ? Gating::Softmax : Gating::Sigmoid;  // 0 (unset) means sigmoid here
    c.moe.weights_norm = keys.flag(MetaKey::ExpertWeightsNorm, false);
    c.moe.weights_scale = keys.real(MetaKey::ExpertWeightsScale, 1.0f);
    if (c.moe.weights_scale == 0.0f) c.moe.weights_scale = 1.0f;
    c.n_expert_shared = static_cast<int>(keys.integer(MetaKey::ExpertSharedCount, 0, 1, 64, true));
    c.n_ff_shared = c.n_expert_shared * c.n_ff_expert;
    const int64_t n_dense = keys.integer(MetaKey::LeadingDenseBlockCount, 0, 0, c.n_layer);
    plan_layers(c, [&](int il) { return il >= n_dense; });
    return std::make_unique<StandardTransformer>(std::move(file), std::move(c));
}

}  // namespace moe
