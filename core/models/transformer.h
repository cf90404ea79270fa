// The forward pass shared by every architecture: embedding, blocks of attention + FFN/MoE with
// RMSNorm and residuals, output head. Architectures plug in their attention and tensor layout.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/model_options.h"
#include "models/kv_cache.h"
#include "models/model_config.h"
#include "models/tensor_loader.h"
#include "trace/routing_trace.h"

namespace moe {

class ThreadPool;

struct LayerWeights {
    std::vector<float> attn_norm, ffn_norm;  // (n_embd)
    // Standard attention
    Weight wq, wk, wv, wo;                    // [n_embd, H·hd], [n_embd, Hkv·hd] ×2, [H·hd, n_embd]
    Weight wqkv;                              // [n_embd, H·hd + 2·Hkv·hd] fused q/k/v
    std::vector<float> bq, bk, bv;            // biases (qwen2moe)
    std::vector<float> bo;                    // (n_embd) output bias (gpt-oss)
    std::vector<float> sinks;                 // (H) per-head sink logits (gpt-oss)
    std::vector<float> q_norm, k_norm;        // (hd) per head, or (H·hd) full width
    // MLA
    Weight wq_a, wq_b;                        // [n_embd, q_lora], [q_lora, H·(nope+rope)]
    std::vector<float> q_a_norm;              // (q_lora)
    Weight wkv_a;                             // [n_embd, kv_lora + rope]
    std::vector<float> kv_a_norm;             // (kv_lora)
    Weight wk_b, wv_b;                        // [nope, kv_lora, H], [kv_lora, v, H]
    Weight wkv_b;                             // legacy [kv_lora, H·(nope+v)]
    // Dense FFN
    Weight ffn_gate, ffn_up, ffn_down;        // [n_embd, F] ×2, [F, n_embd]
    // MoE
    Weight router;                            // [n_embd, E]
    std::vector<float> router_bias;           // (E) added to the logits (gpt-oss)
    std::vector<float> selection_bias;        // (E) exp_probs_b, DeepSeek-V3
    Weight gate_exps, up_exps, down_exps;     // [n_embd, Fe, E] ×2, [Fe, n_embd, E]
    std::vector<float> gate_exps_b, up_exps_b, down_exps_b;  // (E, Fe) ×2, (E, n_embd) (gpt-oss)
    Weight gate_shexp, up_shexp, down_shexp;  // [n_embd, Fs] ×2, [Fs, n_embd]
    Weight shexp_gate;                        // [n_embd] qwen2moe shared-expert gate
};

// Work and weight bytes of one block, to report what sparse routing saved.
struct LayerCost {
    double fixed_flops = 0, fixed_bytes = 0;    // everything but the routed experts
    double expert_flops = 0, expert_bytes = 0;  // one routed expert
    double attn_flops_per_position = 0;         // score + weighted sum, per cached position
};

struct ForwardRequest {
    const int32_t* tokens = nullptr;  // (n)
    int n = 0;
    bool all_logits = false;
    float* logits = nullptr;          // (all_logits ? n : 1, n_vocab)
    KvCache* cache = nullptr;
    ThreadPool* pool = nullptr;
    const RoutingOverrides* overrides = nullptr;
    const std::atomic<bool>* cancel = nullptr;
    std::vector<TokenTrace>* traces = nullptr;  // (n) when tracing: moe_layers and layer times filled
};

class Transformer {
public:
    // Builds the architecture named by general.architecture. Throws EngineError.
    static std::unique_ptr<Transformer> create(std::shared_ptr<const gguf::GgufFile> file,
                                               const LoadOptions& options);
    virtual ~Transformer() = default;

    const ModelConfig& config() const { return config_; }
    const gguf::GgufFile& file() const { return *file_; }
    const std::vector<LayerCost>& layer_costs() const { return costs_; }
    double head_flops() const { return 2.0 * static_cast<double>(config_.n_embd) * config_.n_vocab; }
    double head_bytes() const { return static_cast<double>(output_.bytes()); }

    std::unique_ptr<KvCache> make_cache(int n_ctx) const;
    // Cache floats per token over all layers: what we store, and what full multi-head K/V takes.
    int64_t cache_floats_per_token() const;
    int64_t mha_floats_per_token() const;
    virtual std::string attention_summary() const = 0;

    // Evaluates n tokens at positions cache.n_past()... and advances the cache.
    void forward(const ForwardRequest& request) const;

    // Elements of every tensor the model uses; active = those one decode token touches.
    int64_t params_total() const { return params_total_; }
    int64_t params_active() const;
    // Weights whose rows the loader stored in groups of 16 (quant/row_groups.h).
    int tensors_in_row_groups() const { return tensors_in_row_groups_; }

protected:
    Transformer(std::shared_ptr<const gguf::GgufFile> file, ModelConfig config);

    // Loads every tensor; the architecture loads its attention tensors.
    void load(const LoadOptions& options);
    virtual void load_attention(TensorLoader& loader, int layer, LayerWeights& weights) = 0;
    // Widths of the two cache streams per position and layer (see KvCache).
    virtual std::pair<int, int> cache_widths() const = 0;
    // The attention weights of a layer, for the work/bytes accounting.
    virtual std::vector<Weight> attention_weights(const LayerWeights& weights) const = 0;
    // Multiply-adds per cached position for all heads (scores and weighted sum).
    virtual double attention_macs_per_position() const = 0;

    // x: (n, n_embd) attn_norm outputs of the batch; out: (n, n_embd). Positions start at pos0.
    virtual void attention(int layer, const float* x, int n, int pos0, float* out, KvCache& cache,
                           ThreadPool& pool) const = 0;

    std::shared_ptr<const gguf::GgufFile> file_;
    ModelConfig config_;
    std::vector<LayerWeights> layers_;

private:
    void load_moe(TensorLoader& loader, int layer, LayerWeights& w, LayerCost& cost) const;
    void dense_ffn(const LayerWeights& w, const float* x, int n, float* out, ThreadPool& pool) const;
    // x += branch (scaled by residual_scale): the residual connection.
    void add_branch(float* branch, float* x, size_t size) const;

    Weight token_embd_, output_;
    std::vector<float> output_norm_;
    std::vector<LayerCost> costs_;
    int64_t params_total_ = 0;
    int tensors_in_row_groups_ = 0;
};

// Parallel helpers for attention kernels (exported for the architecture files).
void check_cancel(const std::atomic<bool>* cancel);

}  // namespace moe
