// DeepSeek-V2 / V2-Lite / V3 (`deepseek2`): multi-head latent attention (reference §2.3, §3.4).
// The cache holds one normalised KV latent c and one shared rope key per token; attention runs
// in the absorbed form (q̃_h = K_b,h · q_nope,h scored against c, values read from c and
// expanded with V_b,h afterwards), for both split attn_k_b/attn_v_b and legacy attn_kv_b files.
#include <cmath>
#include <cstring>

#include "gguf/gguf_file.h"
#include "models/architectures.h"
#include "models/attention_kernel.h"
#include "models/layer_kernels.h"
#include "models/metadata_reader.h"
#include "util/scratch.h"
#include "ops/ops.h"
#include "parallel/thread_pool.h"

namespace moe {

namespace {

// For each head h: Y[:, h] (n, rows) = X[:, h] (n, cols) · W_hᵀ, where W_h is slab h of a 3-D
// weight [cols, rows, H]. Token i's head h starts at x + i·ldx + h·x_head (likewise for y).
struct HeadLayout {
    int64_t ld, head;  // floats between tokens, and between heads of one token
};

// prepare(h), when given, writes head h of x for every token before it is read.
void per_head_product(const Weight& w, const float* x, HeadLayout xl, int n, float* y, HeadLayout yl, ThreadPool& pool,
                      const PrepareInput& prepare = nullptr) {
    const int64_t heads = w.info->ne[2];
    if (n == 1) {
        std::vector<MatvecJob> jobs;
        for (int64_t h = 0; h < heads; ++h) jobs.push_back({w.matrix(h), x + h * xl.head, y + h * yl.head});
        matvec_batch(jobs, pool, prepare);
        return;
    }
    if (prepare)
        for (int64_t h = 0; h < heads; ++h) prepare(static_cast<size_t>(h));
    // One batch, not a product per head: two parallel loops instead of two per head.
    std::vector<MatmulJob> jobs;
    for (int64_t h = 0; h < heads; ++h) jobs.push_back({w.matrix(h), x + h * xl.head, xl.ld, n, y + h * yl.head, yl.ld});
    matmul_batch(jobs, pool);
}

class Deepseek2 : public Transformer {
public:
    Deepseek2(std::shared_ptr<const gguf::GgufFile> file, ModelConfig config)
        : Transformer(std::move(file), std::move(config)), rope_(config_.rope) {}

    std::string attention_summary() const override {
        const ModelConfig& c = config_;
        std::string q = c.q_lora_rank > 0 ? "q-LoRA " + std::to_string(c.q_lora_rank) : "plain q";
        return "MLA " + std::to_string(c.n_head) + " heads, " + q + ", KV latent " + std::to_string(c.kv_lora_rank) +
               " + rope key " + std::to_string(c.qk_rope) + (c.mla_split_kv_b ? "" : " (legacy attn_kv_b)");
    }

protected:
    void load_attention(TensorLoader& loader, int il, LayerWeights& w) override {
        const ModelConfig& c = config_;
        const int64_t d = c.n_embd, H = c.n_head, dk = c.head_dim_k;
        if (c.q_lora_rank > 0) {
            w.wq_a = loader.weight(TensorRole::AttnQA, il, {d, c.q_lora_rank});
            w.q_a_norm = loader.vector(TensorRole::AttnQANorm, il, c.q_lora_rank);
            w.wq_b = loader.weight(TensorRole::AttnQB, il, {c.q_lora_rank, H * dk});
        } else {
            w.wq = loader.weight(TensorRole::AttnQ, il, {d, H * dk});
        }
        w.wkv_a = loader.weight(TensorRole::AttnKvAMqa, il, {d, c.kv_lora_rank + c.qk_rope});
        w.kv_a_norm = loader.vector(TensorRole::AttnKvANorm, il, c.kv_lora_rank);
        if (c.mla_split_kv_b) {
            w.wk_b = loader.weight(TensorRole::AttnKB, il, {c.qk_nope, c.kv_lora_rank, H});
            w.wv_b = loader.weight(TensorRole::AttnVB, il, {c.kv_lora_rank, c.head_dim_v, H});
        } else {
            w.wkv_b = loader.weight(TensorRole::AttnKvB, il, {c.kv_lora_rank, H * (c.qk_nope + c.head_dim_v)});
        }
        w.wo = loader.weight(TensorRole::AttnOutput, il, {H * c.head_dim_v, d});
    }

    std::pair<int, int> cache_widths() const override { return {config_.kv_lora_rank, config_.qk_rope}; }

    std::vector<Weight> attention_weights(const LayerWeights& w) const override {
        return {w.wq, w.wq_a, w.wq_b, w.wkv_a, w.wk_b, w.wv_b, w.wkv_b, w.wo};
    }

    double attention_macs_per_position() const override {
        return static_cast<double>(config_.n_head) * (2.0 * config_.kv_lora_rank + config_.qk_rope);
    }

    void attention(int il, const float* x, int n, int pos0, float* out, KvCache& cache,
                   ThreadPool& pool) const override {
        const ModelConfig& c = config_;
        const LayerWeights& w = layers_[il];
        const int H = c.n_head, dk = c.head_dim_k, dv = c.head_dim_v, nope = c.qk_nope, rope = c.qk_rope;
        const int r_kv = c.kv_lora_rank;

        thread_local ScratchBuffer q_buffer, kv_buffer, q_latent_buffer, q_absorbed_buffer, latent_out_buffer, heads_buffer;
        float* q = q_buffer.floats(static_cast<size_t>(n) * H * dk);  // (n, H, nope + rope)
        float* kv = kv_buffer.floats(static_cast<size_t>(n) * (r_kv + rope));  // (n, kv_lora + rope)
        if (w.wq_a) {
            float* q_latent = q_latent_buffer.floats(static_cast<size_t>(n) * c.q_lora_rank);
            project_all({{w.wq_a.matrix(), q_latent}, {w.wkv_a.matrix(), kv}}, x, n, pool);
            for (int i = 0; i < n; ++i) {
                float* row = &q_latent[static_cast<size_t>(i) * c.q_lora_rank];
                ops::rms_norm(row, w.q_a_norm.data(), row, c.q_lora_rank, c.rms_eps);
            }
            project_rows(w.wq_b.matrix(), q_latent, n, q, pool);
        } else {
            project_all({{w.wq.matrix(), q}, {w.wkv_a.matrix(), kv}}, x, n, pool);
        }
        for (int i = 0; i < n; ++i) {
            const int pos = pos0 + i;
            const float* row = &kv[static_cast<size_t>(i) * (r_kv + rope)];
            ops::rms_norm(row, w.kv_a_norm.data(), cache.a(il, pos), r_kv, c.rms_eps);
            float* k_pe = cache.b(il, pos);
            std::memcpy(k_pe, row + r_kv, rope * sizeof(float));
            rope_.apply(k_pe, 1, rope, pos);
            rope_.apply(&q[static_cast<size_t>(i) * H * dk] + nope, H, dk, pos);
        }

        // q̃_h = K_b,h · q_nope,h for every token and head: (n, H, kv_lora)
        float* q_absorbed = q_absorbed_buffer.floats(static_cast<size_t>(n) * H * r_kv);
        if (w.wk_b) {
            per_head_product(w.wk_b, q, {H * dk, dk}, n, q_absorbed, {H * r_kv, r_kv}, pool);
        } else {  // legacy attn_kv_b: the k rows of each head, applied transposed
            pool.parallel_for(static_cast<int64_t>(n) * H, [&](int64_t begin, int64_t end, int) {
                std::vector<float> scratch;
                for (int64_t job = begin; job < end; ++job) {
                    const int64_t i = job / H, h = job % H;
                    matvec_transposed_serial(w.wkv_b.row_range(h * (nope + dv), nope), &q[(i * H + h) * dk],
                                             &q_absorbed[(i * H + h) * r_kv], scratch);
                }
            });
        }

        // MQA over the cached [c ‖ k_pe]: values are the latents themselves. (n, H, kv_lora)
        float* latent_out = latent_out_buffer.floats(static_cast<size_t>(n) * H * r_kv);
        const SharedKv latent_kv{cache.a(il, 0), r_kv, r_kv, cache.b(il, 0), rope, rope, cache.a(il, 0), r_kv, r_kv,
                                 c.attn_scale};
        std::vector<AttentionProblem> problems;
        for (int i = 0; i < n; ++i) {
            const size_t token = static_cast<size_t>(i) * H;
            const Queries heads_of_token{H, &q_absorbed[token * r_kv], r_kv, &q[token * dk] + nope, dk, nullptr};
            problems.push_back({latent_kv, pos0 + i + 1, heads_of_token, &latent_out[token * r_kv], r_kv});
        }
        const PendingAttention attention(problems, pool);

        // o_h = V_b,h · õ_h: (n, H·dv). Each head's position blocks are merged inside the
        // product's loop, by the thread that first needs õ_h, rather than by one thread before it.
        float* heads = heads_buffer.floats(static_cast<size_t>(n) * H * dv);
        if (w.wv_b) {
            per_head_product(w.wv_b, latent_out, {H * r_kv, r_kv}, n, heads, {H * dv, dv}, pool, [&](size_t h) {
                for (int i = 0; i < n; ++i) attention.merge(static_cast<size_t>(i), static_cast<int>(h));
            });
        } else {
            std::vector<MatvecJob> jobs;
            for (int64_t i = 0; i < n; ++i)
                for (int64_t h = 0; h < H; ++h)
                    jobs.push_back({w.wkv_b.row_range(h * (nope + dv) + nope, dv), &latent_out[(i * H + h) * r_kv],
                                    &heads[(i * H + h) * dv]});
            matvec_batch(jobs, pool, [&](size_t job) { attention.merge(job / H, static_cast<int>(job % H)); });
        }
        project_rows(w.wo.matrix(), heads, n, out, pool);
    }

private:
    ops::Rope rope_;
};

}  // namespace

std::unique_ptr<Transformer> make_deepseek2(std::shared_ptr<const gguf::GgufFile> file, ModelConfig c) {
    const MetadataReader keys(*file, c.arch);
    c.q_lora_rank = static_cast<int>(keys.integer(MetaKey::QLoraRank, 0, 0, 65536));
    c.kv_lora_rank = static_cast<int>(keys.integer(MetaKey::KvLoraRank, 0, 1, 65536, true));
    c.qk_rope = c.rope.n_rot;
    if (keys.has(MetaKey::KeyLengthMla) && keys.has(MetaKey::ValueLengthMla)) {
        c.head_dim_k = static_cast<int>(keys.integer(MetaKey::KeyLengthMla, 0, 1, 65536));
        c.head_dim_v = static_cast<int>(keys.integer(MetaKey::ValueLengthMla, 0, 1, 65536));
    }
    c.qk_nope = c.head_dim_k - c.qk_rope;
    if (c.qk_nope <= 0 || c.head_dim_v <= 0 || c.head_dim_v > 65536)
        throw EngineError(file->path() + ": inconsistent MLA head sizes (key " + std::to_string(c.head_dim_k) +
                          ", rope " + std::to_string(c.qk_rope) + ", value " + std::to_string(c.head_dim_v) + ")");
    c.mla_split_kv_b = file->find_tensor(tensor_name(TensorRole::AttnKB, 0)) != nullptr;
    c.n_ff_shared = c.n_expert_shared * c.n_ff_expert;
    c.moe.weights_norm = keys.flag(MetaKey::ExpertWeightsNorm, false);
    c.moe.weights_scale = keys.real(MetaKey::ExpertWeightsScale, 1.0f);
    if (c.moe.weights_scale == 0.0f) c.moe.weights_scale = 1.0f;
    const int64_t gating = keys.integer(MetaKey::ExpertGatingFunc, 0, 0, 2);
    if (gating == 2) c.moe.gating = Gating::Sigmoid;
    const int64_t n_dense = keys.integer(MetaKey::LeadingDenseBlockCount, 0, 0, c.n_layer);
    plan_layers(c, [&](int il) { return il >= n_dense; });
    c.rope.style = ops::RopeStyle::Norm;
    c.rope.magnitude = 1.0f;  // DeepSeek's mscale / mscale_all_dim is 1: cos/sin stay unscaled
    float mscale = 1.0f;
    if (c.rope.yarn) {
        const float log_mul = keys.real(MetaKey::RopeYarnLogMultiplier, 0.0f);
        mscale = static_cast<float>(1.0 + log_mul * std::log(1.0 / c.rope.freq_scale));
    }
    c.attn_scale = mscale * mscale / std::sqrt(static_cast<float>(c.head_dim_k));
    return std::make_unique<Deepseek2>(std::move(file), std::move(c));
}

}  // namespace moe
