#include "models/standard_attention.h"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "models/attention_kernel.h"
#include "models/layer_kernels.h"
#include "util/scratch.h"
#include "ops/ops.h"
#include "parallel/thread_pool.h"
#include "quant/matmul.h"

namespace moe {

std::string StandardTransformer::attention_summary() const {
    const ModelConfig& c = config_;
    std::string s = (c.n_head_kv == c.n_head ? "MHA " : "GQA ") + std::to_string(c.n_head) + "/" +
                    std::to_string(c.n_head_kv) + " heads × " + std::to_string(c.head_dim_k);
    if (c.qk_norm == QkNorm::PerHead) s += ", per-head q/k norm";
    if (c.qk_norm == QkNorm::FullWidth) s += ", full-width q/k norm";
    if (c.qk_norm == QkNorm::PlainAfterRope) s += ", q/k RMS-normalised after RoPE";
    if (!c.rope.freq_factors.empty()) s += ", RoPE frequency factors";
    if (c.attn_bias) s += c.attn_out_bias ? ", q/k/v/o biases" : ", q/k/v biases";
    if (c.attn_sinks) s += ", attention sinks";
    if (c.rope.n_rot < c.head_dim_k)
        s += ", RoPE on " + std::to_string(c.rope.n_rot) + " of " + std::to_string(c.head_dim_k) + " dims";
    if (c.rope.yarn) {
        char factor[32];
        std::snprintf(factor, sizeof factor, ", YaRN ×%g", 1.0 / c.rope.freq_scale);
        s += factor;
    }
    if (c.attn_scale != 1.0f / std::sqrt(static_cast<float>(c.head_dim_k)))
        s += ", score scale " + std::to_string(c.attn_scale);
    int sliding = 0, chunked = 0, no_rope = 0;
    for (const LayerPlan& layer : c.layers) {
        sliding += layer.attention == AttentionKind::SlidingWindow;
        chunked += layer.attention == AttentionKind::Chunked;
        no_rope += layer.attention == AttentionKind::NoRope;
    }
    auto layers = [&](int count) { return count == c.n_layer ? "all layers" : std::to_string(count) + (count == 1 ? " layer" : " layers"); };
    if (sliding) s += ", sliding window " + std::to_string(c.sliding_window) + " on " + layers(sliding);
    if (chunked) s += ", chunks of " + std::to_string(c.attention_chunk) + " on " + layers(chunked);
    if (no_rope) s += ", no RoPE on " + layers(no_rope);
    return s;
}

void StandardTransformer::load_attention(TensorLoader& loader, int il, LayerWeights& w) {
    const ModelConfig& c = config_;
    const int64_t q_width = static_cast<int64_t>(c.n_head) * c.head_dim_k;
    const int64_t kv_width = static_cast<int64_t>(c.n_head_kv) * c.head_dim_k;
    if (c.fused_qkv) {
        w.wqkv = loader.weight(TensorRole::AttnQkv, il, {c.n_embd, q_width + 2 * kv_width});
    } else {
        w.wq = loader.weight(TensorRole::AttnQ, il, {c.n_embd, q_width});
        w.wk = loader.weight(TensorRole::AttnK, il, {c.n_embd, kv_width});
        w.wv = loader.weight(TensorRole::AttnV, il, {c.n_embd, static_cast<int64_t>(c.n_head_kv) * c.head_dim_v});
    }
    w.wo = loader.weight(TensorRole::AttnOutput, il, {static_cast<int64_t>(c.n_head) * c.head_dim_v, c.n_embd});
    if (c.attn_bias) {
        w.bq = loader.vector(TensorRole::AttnQBias, il, q_width, false);
        w.bk = loader.vector(TensorRole::AttnKBias, il, kv_width, false);
        w.bv = loader.vector(TensorRole::AttnVBias, il, static_cast<int64_t>(c.n_head_kv) * c.head_dim_v, false);
    }
    if (c.attn_out_bias) w.bo = loader.vector(TensorRole::AttnOutputBias, il, c.n_embd);
    if (c.attn_sinks) w.sinks = loader.vector(TensorRole::AttnSinks, il, c.n_head);
    if (c.qk_norm == QkNorm::PerHead) {
        w.q_norm = loader.vector(TensorRole::AttnQNorm, il, c.head_dim_k);
        w.k_norm = loader.vector(TensorRole::AttnKNorm, il, c.head_dim_k);
    } else if (c.qk_norm == QkNorm::FullWidth) {
        w.q_norm = loader.vector(TensorRole::AttnQNorm, il, q_width);
        w.k_norm = loader.vector(TensorRole::AttnKNorm, il, kv_width);
    } else if (c.qk_norm == QkNorm::PlainAfterRope) {
        w.q_norm = w.k_norm = std::vector<float>(c.head_dim_k, 1.0f);
    }
}

std::pair<int, int> StandardTransformer::cache_widths() const {
    return {config_.n_head_kv * config_.head_dim_k, config_.n_head_kv * config_.head_dim_v};
}

std::vector<Weight> StandardTransformer::attention_weights(const LayerWeights& w) const {
    return {w.wq, w.wk, w.wv, w.wqkv, w.wo};
}

double StandardTransformer::attention_macs_per_position() const {
    return static_cast<double>(config_.n_head) * (config_.head_dim_k + config_.head_dim_v);
}

void StandardTransformer::attention(int il, const float* x, int n, int pos0, float* out, KvCache& cache,
                                    ThreadPool& pool) const {
    const ModelConfig& c = config_;
    const LayerWeights& w = layers_[il];
    const int hd = c.head_dim_k, hv = c.head_dim_v;
    const int q_width = c.n_head * hd, k_width = c.n_head_kv * hd, v_width = c.n_head_kv * hv;
    thread_local ScratchBuffer q_buffer, k_buffer, v_buffer, heads_buffer;
    float* q = q_buffer.floats(static_cast<size_t>(n) * q_width);
    float* k = k_buffer.floats(static_cast<size_t>(n) * k_width);
    float* v = v_buffer.floats(static_cast<size_t>(n) * v_width);
    if (w.wqkv) {  // the row blocks of the fused weight, each a matrix of its own
        project_all({{w.wqkv.row_range(0, q_width), q},
                     {w.wqkv.row_range(q_width, k_width), k},
                     {w.wqkv.row_range(q_width + k_width, v_width), v}},
                    x, n, pool);
    } else {
        project_all({{w.wq.matrix(), q}, {w.wk.matrix(), k}, {w.wv.matrix(), v}}, x, n, pool);
    }

    for (int i = 0; i < n; ++i) {
        float* qi = &q[static_cast<size_t>(i) * q_width];
        float* ki = &k[static_cast<size_t>(i) * k_width];
        float* vi = &v[static_cast<size_t>(i) * v_width];
        if (!w.bq.empty()) ops::axpy(1.0f, w.bq.data(), qi, q_width);
        if (!w.bk.empty()) ops::axpy(1.0f, w.bk.data(), ki, k_width);
        if (!w.bv.empty()) ops::axpy(1.0f, w.bv.data(), vi, v_width);
        if (c.qk_norm == QkNorm::PerHead) {
            for (int h = 0; h < c.n_head; ++h) ops::rms_norm(qi + h * hd, w.q_norm.data(), qi + h * hd, hd, c.rms_eps);
            for (int h = 0; h < c.n_head_kv; ++h) ops::rms_norm(ki + h * hd, w.k_norm.data(), ki + h * hd, hd, c.rms_eps);
        } else if (c.qk_norm == QkNorm::FullWidth) {
            ops::rms_norm(qi, w.q_norm.data(), qi, q_width, c.rms_eps);
            ops::rms_norm(ki, w.k_norm.data(), ki, k_width, c.rms_eps);
        }
        if (c.layers[il].attention != AttentionKind::NoRope) {
            rope_.apply(qi, c.n_head, hd, pos0 + i);
            rope_.apply(ki, c.n_head_kv, hd, pos0 + i);
            if (c.qk_norm == QkNorm::PlainAfterRope) {
                for (int h = 0; h < c.n_head; ++h) ops::rms_norm(qi + h * hd, w.q_norm.data(), qi + h * hd, hd, c.rms_eps);
                for (int h = 0; h < c.n_head_kv; ++h) ops::rms_norm(ki + h * hd, w.k_norm.data(), ki + h * hd, hd, c.rms_eps);
            }
        } else if (c.attn_temp_scale != 0.0f) {
            const float pos = static_cast<float>(pos0 + i);
            const auto temperature = static_cast<float>(
                std::log(std::floor((pos + c.attn_temp_offset) / static_cast<float>(c.attn_temp_floor)) + 1.0) *
                    c.attn_temp_scale + 1.0);
            for (int k = 0; k < q_width; ++k) qi[k] *= temperature;
        }
        std::memcpy(cache.a(il, pos0 + i), ki, k_width * sizeof(float));
        std::memcpy(cache.b(il, pos0 + i), vi, v_width * sizeof(float));
    }

    // Each KV head serves a group of consecutive query heads.
    float* heads = heads_buffer.floats(static_cast<size_t>(n) * c.n_head * hv);  // (n, H·hv)
    const int group = c.n_head / c.n_head_kv;
    std::vector<AttentionProblem> problems;
    for (int i = 0; i < n; ++i) {
        const int first = c.first_visible_position(il, pos0 + i);
        for (int g = 0; g < c.n_head_kv; ++g) {
            const SharedKv kv{cache.a(il, first) + g * hd, hd, k_width, nullptr, 0, 0, cache.b(il, first) + g * hv, hv,
                              v_width, c.attn_scale};
            const size_t first_head = static_cast<size_t>(i) * c.n_head + static_cast<size_t>(g) * group;
            const float* sinks = w.sinks.empty() ? nullptr : &w.sinks[static_cast<size_t>(g) * group];
            const Queries queries{group, &q[first_head * hd], hd, nullptr, 0, sinks};
            problems.push_back({kv, pos0 + i + 1 - first, queries, &heads[first_head * hv], hv});
        }
    }
    attend(problems, pool);
    project_rows(w.wo.matrix(), heads, n, out, pool);
    if (!w.bo.empty())
        for (int i = 0; i < n; ++i) ops::axpy(1.0f, w.bo.data(), out + static_cast<size_t>(i) * c.n_embd, c.n_embd);
}

}  // namespace moe
