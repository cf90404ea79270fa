// Qwen1.5-MoE / Qwen2-MoE (`qwen2moe`): q/k/v biases, NEOX rope, softmax top-k without
// renormalisation, one shared expert scaled by σ(ffn_gate_inp_shexp · x) (reference §3.3, §3.6).
#include "gguf/gguf_file.h"
#include "models/architectures.h"
#include "models/metadata_reader.h"
#include "models/standard_attention.h"

namespace moe {

std::unique_ptr<Transformer> make_qwen2moe(std::shared_ptr<const gguf::GgufFile> file, ModelConfig c) {
    c.attn_bias = true;
    c.rope.style = ops::RopeStyle::Neox;
    const MetadataReader keys(*file, c.arch);
    c.n_ff_shared = static_cast<int>(keys.integer(MetaKey::ExpertSharedFeedForwardLength, c.n_ff_dense, 0, 1 << 20));
    if (!file->find_tensor("blk.0.ffn_gate_shexp.weight")) c.n_ff_shared = 0;
    c.n_expert_shared = c.n_ff_shared > 0 ? 1 : 0;
    c.moe.shared_gate = c.n_ff_shared > 0;
    plan_layers(c, [](int) { return true; });
    return std::make_unique<StandardTransformer>(std::move(file), std::move(c));
}

}  // namespace moe
