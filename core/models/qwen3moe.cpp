// Qwen3-MoE (`qwen3moe`): per-head RMSNorm of q and k before NEOX rope, head_dim from
// key_length (≠ n_embd / n_head), softmax top-k renormalised, no shared expert.
#include "models/architectures.h"
#include "models/standard_attention.h"

namespace moe {

std::unique_ptr<Transformer> make_qwen3moe(std::shared_ptr<const gguf::GgufFile> file, ModelConfig c) {
    c.qk_norm = QkNorm::PerHead;
    c.rope.style = ops::RopeStyle::Neox;
    c.moe.weights_norm = true;
    plan_layers(c, [](int) { return true; });
    return std::make_unique<StandardTransformer>(std::move(file), std::move(c));
}

}  // namespace moe
