// Hyper-parameters and feature flags of one model, read from GGUF metadata (reference §1.7).
// Architectures differ mostly in these flags; the shared blocks read them.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "models/tensor_names.h"
#include "ops/ops.h"

namespace moe {

namespace gguf {
class GgufFile;
}

// qwen3moe per head; olmoe over the projection; llama4 per head without a gain, after RoPE and
// only on the RoPE layers.
enum class QkNorm { None, PerHead, FullWidth, PlainAfterRope };

// What one block runs: its feed-forward part and which positions its attention sees.
enum class FfnKind { Dense, Moe, MoeShared };
enum class AttentionKind { Full, SlidingWindow, Chunked, NoRope };
struct LayerPlan {
    FfnKind ffn = FfnKind::Dense;
    AttentionKind attention = AttentionKind::Full;
};

// The optional pieces of a MoE feed-forward layer, as llama.cpp's build_moe_ffn has them;
// each architecture file says which ones it uses.
enum class Gating {
    Softmax,     // probabilities over all experts
    Sigmoid,     // independent σ per expert
    SoftmaxTopK  // pick by logit, weights = softmax over the picked logits only (gpt-oss)
};
enum class ExpertActivation {
    Silu,          // silu(gate) · up
    Gelu,          // gelu(gate) · up (tanh form)
    ClampedSwiglu  // gpt-oss: gate ≤ limit, |up| ≤ limit, gate·σ(α·gate)·(up + 1)
};
struct MoeSpec {
    Gating gating = Gating::Softmax;
    bool router_bias = false;        // ffn_gate_inp.bias added to the logits
    bool select_on_logits = false;   // rank raw logits, weight with the gating (llama4)
    bool weights_norm = false;       // weights / Σ weights over the picks
    float weights_scale = 1.0f;      // 1: no scaling
    int n_group = 0, n_group_used = 0;
    bool weight_before_expert = false;  // scale the expert's input, not its output (llama4)
    bool expert_biases = false;      // ffn_{gate,up,down}_exps.bias
    ExpertActivation activation = ExpertActivation::Silu;
    float swiglu_alpha = 1.702f, swiglu_limit = 7.0f;  // ClampedSwiglu
    bool shared_gate = false;        // shared expert scaled by σ(ffn_gate_inp_shexp · x) (qwen2moe)
};

struct ModelConfig {
    std::string arch;
    int n_layer = 0, n_embd = 0, n_vocab = 0, n_ctx_train = 0;
    int n_head = 0, n_head_kv = 0;
    int head_dim_k = 0, head_dim_v = 0;  // real per-head dims (MLA: nope+rope and v_head)
    float rms_eps = 1e-6f;
    TensorRole ffn_norm = TensorRole::FfnNorm;  // glm4moe: post_attention_norm
    // Granite's multipliers: embeddings × embedding_scale, every branch × residual_scale before
    // it joins the residual stream, logits ÷ logit_scale. 1: off.
    float embedding_scale = 1.0f, residual_scale = 1.0f, logit_scale = 1.0f;

    // FFN / MoE
    int n_ff_dense = 0;      // dense FFN width (leading dense layers, or all layers without experts)
    int n_expert = 0, n_expert_used = 0;
    int n_ff_expert = 0;
    int n_expert_shared = 0;  // deepseek2: S shared experts fused into one FFN
    int n_ff_shared = 0;      // width of the fused shared FFN (0: none)
    MoeSpec moe;

    // Attention
    bool attn_bias = false;      // q/k/v biases (qwen2moe)
    bool attn_out_bias = false;  // attn_output bias (gpt-oss)
    bool attn_sinks = false;     // a learned per-head logit in every softmax denominator (gpt-oss)
    bool fused_qkv = false;      // one attn_qkv weight: q rows, then k rows, then v rows (bailingmoe2)
    QkNorm qk_norm = QkNorm::None;
    ops::RopeConfig rope;
    float attn_scale = 0;        // softmax scale τ

    // MLA (deepseek2)
    int q_lora_rank = 0, kv_lora_rank = 0, qk_nope = 0, qk_rope = 0;
    bool mla_split_kv_b = false;  // attn_k_b/attn_v_b (new files) vs attn_kv_b (legacy)

    std::vector<LayerPlan> layers;  // (n_layer)
    int sliding_window = 0;         // positions a SlidingWindow layer sees, its own included
    int attention_chunk = 0;        // a Chunked layer sees its own chunk of this many positions
    // llama4's temperature tuning: NoRope layers scale q by
    // 1 + attn_temp_scale · ln(floor((pos + attn_temp_offset) / attn_temp_floor) + 1). 0: off.
    float attn_temp_scale = 0, attn_temp_offset = 0;
    int attn_temp_floor = 1;

    bool is_moe_layer(int layer) const { return layers[layer].ffn != FfnKind::Dense; }
    // The first cached position the query at `pos` attends to in `layer` (llama.cpp's masks).
    int first_visible_position(int layer, int pos) const;
};

// Reads the keys common to every architecture into `config` (arch-specific flags are set by
// the architecture's own file). Throws EngineError naming the key on a missing/invalid value.
ModelConfig read_common_config(const gguf::GgufFile& file);

// The blocks' kinds in a few words, runs and repeats folded: "dense FFN ×1, then MoE + shared
// ×26" or "12 × (MoE, sliding window; MoE)".
std::string describe_layer_plan(const ModelConfig& config);

// Full attention everywhere; MoE (with the shared expert when n_ff_shared > 0) on the layers
// `is_moe` picks, dense FFN elsewhere. Architectures call it once their widths are known.
void plan_layers(ModelConfig& config, const std::function<bool(int layer)>& is_moe);

}  // namespace moe
