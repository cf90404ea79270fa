// Hyper-parameters and feature flags of one model, read from GGUF metadata (reference §1.7).
// Architectures differ mostly in these flags; the shared blocks read them.
#pragma once

#include <string>
#include <vector>

#include "ops/ops.h"

namespace moe {

namespace gguf {
class GgufFile;
}

enum class Gating { Softmax, Sigmoid };
enum class QkNorm { None, PerHead, FullWidth };  // qwen3moe per head; olmoe over the projection

struct ModelConfig {
    std::string arch;
    int n_layer = 0, n_embd = 0, n_vocab = 0, n_ctx_train = 0;
    int n_head = 0, n_head_kv = 0;
    int head_dim_k = 0, head_dim_v = 0;  // real per-head dims (MLA: nope+rope and v_head)
    float rms_eps = 1e-6f;

    // FFN / MoE
    int n_ff_dense = 0;      // dense FFN width (leading dense layers, or all layers without experts)
    int n_expert = 0, n_expert_used = 0;
    int n_ff_expert = 0;
    int n_expert_shared = 0;  // deepseek2: S shared experts fused into one FFN
    int n_ff_shared = 0;      // width of the fused shared FFN (0: none)
    int n_leading_dense = 0;
    Gating gating = Gating::Softmax;
    bool weights_norm = false;
    float weights_scale = 1.0f;  // 1: no scaling
    int n_group = 0, n_group_used = 0;
    bool shared_gate = false;    // qwen2moe: σ(w·x) on the shared expert

    // Attention
    bool attn_bias = false;      // q/k/v biases (qwen2moe)
    QkNorm qk_norm = QkNorm::None;
    ops::RopeConfig rope;
    float attn_scale = 0;        // softmax scale τ

    // MLA (deepseek2)
    int q_lora_rank = 0, kv_lora_rank = 0, qk_nope = 0, qk_rope = 0;
    bool mla_split_kv_b = false;  // attn_k_b/attn_v_b (new files) vs attn_kv_b (legacy)

    bool is_moe_layer(int layer) const { return n_expert > 0 && layer >= n_leading_dense; }
};

// Reads the keys common to every architecture into `config` (arch-specific flags are set by
// the architecture's own file). Throws EngineError naming the key on a missing/invalid value.
ModelConfig read_common_config(const gguf::GgufFile& file);

}  // namespace moe
