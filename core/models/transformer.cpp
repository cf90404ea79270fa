#include "models/transformer.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "models/layer_kernels.h"
#include "models/moe_ffn.h"
#include "util/scratch.h"
#include "ops/ops.h"
#include "parallel/thread_pool.h"
#include "quant/matmul.h"
#include "quant/quant.h"

namespace moe {

namespace {

using Clock = std::chrono::steady_clock;

double elapsed_ms(Clock::time_point since) {
    return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

}  // namespace

void check_cancel(const std::atomic<bool>* cancel) {
    if (cancel && cancel->load(std::memory_order_relaxed)) throw Cancelled();
}

Transformer::Transformer(std::shared_ptr<const gguf::GgufFile> file, ModelConfig config)
    : file_(std::move(file)), config_(std::move(config)) {}

std::unique_ptr<KvCache> Transformer::make_cache(int n_ctx) const {
    const auto [width_a, width_b] = cache_widths();
    return std::make_unique<KvCache>(config_.n_layer, n_ctx, width_a, width_b);
}

int64_t Transformer::cache_floats_per_token() const {
    const auto [width_a, width_b] = cache_widths();
    return static_cast<int64_t>(config_.n_layer) * (width_a + width_b);
}

int64_t Transformer::mha_floats_per_token() const {
    return static_cast<int64_t>(config_.n_layer) * config_.n_head * (config_.head_dim_k + config_.head_dim_v);
}

void Transformer::load(const LoadOptions& options) {
    const ModelConfig& c = config_;
    if (c.layers.size() != static_cast<size_t>(c.n_layer)) throw std::logic_error(c.arch + ": layers not planned");
    TensorLoader loader(*file_, options.group_rows);
    token_embd_ = loader.weight(TensorRole::TokenEmbd, -1, {c.n_embd, c.n_vocab});
    output_norm_ = loader.vector(TensorRole::OutputNorm, -1, c.n_embd);
    output_ = loader.has(TensorRole::Output) ? loader.weight(TensorRole::Output, -1, {c.n_embd, c.n_vocab})
                                             : token_embd_;  // tied embeddings

    layers_.resize(c.n_layer);
    costs_.resize(c.n_layer);
    for (int il = 0; il < c.n_layer; ++il) {
        LayerWeights& w = layers_[il];
        w.attn_norm = loader.vector(TensorRole::AttnNorm, il, c.n_embd);
        load_attention(loader, il, w);
        w.ffn_norm = loader.vector(c.ffn_norm, il, c.n_embd);
        LayerCost& cost = costs_[il];
        if (c.is_moe_layer(il)) {
            load_moe(loader, il, w, cost);
        } else {
            const int64_t d = c.n_embd, f = c.n_ff_dense;
            w.ffn_gate = loader.weight(TensorRole::FfnGate, il, {d, f});
            w.ffn_up = loader.weight(TensorRole::FfnUp, il, {d, f});
            w.ffn_down = loader.weight(TensorRole::FfnDown, il, {f, d});
            cost.fixed_flops += 2.0 * 3.0 * d * f;
            cost.fixed_bytes += static_cast<double>(w.ffn_gate.bytes() + w.ffn_up.bytes() + w.ffn_down.bytes());
        }
        for (const Weight& aw : attention_weights(w)) {
            if (!aw) continue;
            cost.fixed_bytes += static_cast<double>(aw.bytes());
            cost.fixed_flops += 2.0 * static_cast<double>(aw.info->n_elements());
        }
        cost.attn_flops_per_position = 2.0 * attention_macs_per_position();
        if (options.progress && !options.progress(0.5f * (il + 1) / c.n_layer)) throw Cancelled();
    }

    // Touch every page once so the first token does not pay for reading the file, and so a
    // multi-gigabyte load shows honest progress.
    tensors_in_row_groups_ = static_cast<int>(loader.grouped_count());
    uint64_t total = 0, done = 0;
    for (const auto* info : loader.used()) total += info->nbytes;
    volatile uint8_t sink = 0;
    for (const auto* info : loader.used()) {
        params_total_ += info->n_elements();
        for (uint64_t off = 0; off < info->nbytes; off += 4096) sink = sink + info->data[off];
        done += info->nbytes;
        if (options.progress && !options.progress(0.5f + 0.5f * static_cast<float>(done) / std::max<uint64_t>(1, total)))
            throw Cancelled();
    }
}

void Transformer::load_moe(TensorLoader& loader, int il, LayerWeights& w, LayerCost& cost) const {
    const ModelConfig& c = config_;
    const MoeSpec& spec = c.moe;
    const int64_t d = c.n_embd, E = c.n_expert, fe = c.n_ff_expert;
    w.router = loader.weight(TensorRole::FfnGateInp, il, {d, E});
    if (spec.router_bias) w.router_bias = loader.vector(TensorRole::FfnGateInpBias, il, E);
    w.selection_bias = loader.vector(TensorRole::ExpProbsB, il, E, false);
    w.gate_exps = loader.weight(TensorRole::FfnGateExps, il, {d, fe, E});
    w.up_exps = loader.weight(TensorRole::FfnUpExps, il, {d, fe, E});
    w.down_exps = loader.weight(TensorRole::FfnDownExps, il, {fe, d, E});
    if (spec.expert_biases) {
        w.gate_exps_b = loader.values(TensorRole::FfnGateExpsBias, il, {fe, E});
        w.up_exps_b = loader.values(TensorRole::FfnUpExpsBias, il, {fe, E});
        w.down_exps_b = loader.values(TensorRole::FfnDownExpsBias, il, {d, E});
    }
    if (c.layers[il].ffn == FfnKind::MoeShared) {
        w.gate_shexp = loader.weight(TensorRole::FfnGateShexp, il, {d, c.n_ff_shared});
        w.up_shexp = loader.weight(TensorRole::FfnUpShexp, il, {d, c.n_ff_shared});
        w.down_shexp = loader.weight(TensorRole::FfnDownShexp, il, {c.n_ff_shared, d});
        if (spec.shared_gate) w.shexp_gate = loader.weight(TensorRole::FfnGateInpShexp, il, {d});
    }
    cost.expert_flops = 2.0 * 3.0 * d * fe;
    cost.expert_bytes = static_cast<double>(w.gate_exps.bytes() + w.up_exps.bytes() + w.down_exps.bytes()) / E;
    const double shared_params = w.gate_shexp ? 3.0 * d * c.n_ff_shared : 0.0;
    cost.fixed_flops += 2.0 * (d * E + shared_params + (w.shexp_gate ? d : 0));
    cost.fixed_bytes += static_cast<double>(w.router.bytes() + w.gate_shexp.bytes() + w.up_shexp.bytes() +
                                            w.down_shexp.bytes() + w.shexp_gate.bytes());
}

int64_t Transformer::params_active() const {
    const ModelConfig& c = config_;
    int64_t inactive = token_embd_.info->n_elements() - c.n_embd;  // one embedding row is read
    if (output_.info == token_embd_.info) inactive = 0;  // tied: the head uses every row
    for (int il = 0; il < c.n_layer; ++il) {
        if (!c.is_moe_layer(il)) continue;
        inactive += static_cast<int64_t>(c.n_expert - c.n_expert_used) * 3 * c.n_embd * c.n_ff_expert;
    }
    return params_total_ - inactive;
}

void Transformer::dense_ffn(const LayerWeights& w, const float* x, int n, float* out, ThreadPool& pool) const {
    const int64_t f = w.ffn_gate.rows();
    thread_local ScratchBuffer gate_buffer, up_buffer;
    float* gate = gate_buffer.floats(n * f);
    float* up = up_buffer.floats(n * f);
    project_all({{w.ffn_gate.matrix(), gate}, {w.ffn_up.matrix(), up}}, x, n, pool);
    ops::swiglu(gate, up, gate, n * f);
    project_rows(w.ffn_down.matrix(), gate, n, out, pool);
}

void Transformer::add_branch(float* branch, float* x, size_t size) const {
    if (config_.residual_scale != 1.0f)
        for (size_t k = 0; k < size; ++k) branch[k] *= config_.residual_scale;
    for (size_t k = 0; k < size; ++k) x[k] += branch[k];
}

void Transformer::forward(const ForwardRequest& request) const {
    const ModelConfig& c = config_;
    KvCache& cache = *request.cache;
    ThreadPool& pool = *request.pool;
    const int n = request.n, d = c.n_embd;
    const int pos0 = cache.n_past();
    if (n <= 0) return;
    if (pos0 + n > cache.n_ctx())
        throw EngineError("the sequence needs " + std::to_string(pos0 + n) + " positions but the context holds " +
                          std::to_string(cache.n_ctx()));

    // A multi-token pass hands its megabytes of scratch back when it ends, so they are not
    // resident through the decode that follows, unless they come to at most 1/12 of the model's
    // file (the resident-set budget is file + KV cache + 10 %): then the next prefill reuses them
    // instead of faulting them in again (about 5 % of a 256-token prefill of the V2-Lite cut,
    // whose scratch is 102 MB). Decode keeps its small buffers from step to step.
    const ScratchRelease release_scratch(n > 1, file_->total_size() / 12);
    const size_t size = static_cast<size_t>(n) * d;
    thread_local ScratchBuffer x_buffer, xn_buffer, branch_buffer;
    float* x = x_buffer.floats(size);
    float* xn = xn_buffer.floats(size);
    float* branch = branch_buffer.floats(size);
    for (int i = 0; i < n; ++i) {
        const int32_t t = request.tokens[i];
        if (t < 0 || t >= c.n_vocab) throw EngineError("token id " + std::to_string(t) + " is outside the vocabulary");
        const WeightMatrix embd = token_embd_.matrix();
        quant::dequantize_row(embd.type, embd.row(t), &x[static_cast<size_t>(i) * d], d);
    }
    if (c.embedding_scale != 1.0f)
        for (size_t k = 0; k < size; ++k) x[k] *= c.embedding_scale;
    if (request.traces)
        for (auto& trace : *request.traces) trace.layer_time_ms.assign(c.n_layer, 0.0);

    for (int il = 0; il < c.n_layer; ++il) {
        check_cancel(request.cancel);
        const auto start = Clock::now();
        const LayerWeights& w = layers_[il];
        for (int i = 0; i < n; ++i)
            ops::rms_norm(&x[static_cast<size_t>(i) * d], w.attn_norm.data(), &xn[static_cast<size_t>(i) * d], d, c.rms_eps);
        attention(il, xn, n, pos0, branch, cache, pool);
        add_branch(branch, x, size);

        for (int i = 0; i < n; ++i)
            ops::rms_norm(&x[static_cast<size_t>(i) * d], w.ffn_norm.data(), &xn[static_cast<size_t>(i) * d], d, c.rms_eps);
        if (c.is_moe_layer(il)) {
            moe_ffn(c, w, il, xn, n, branch, request);
        } else {
            dense_ffn(w, xn, n, branch, pool);
        }
        add_branch(branch, x, size);
        if (request.traces) {
            const double per_token = elapsed_ms(start) / n;
            for (auto& trace : *request.traces) trace.layer_time_ms[il] = per_token;
        }
    }
    cache.set_n_past(pos0 + n);

    const int first = request.all_logits ? 0 : n - 1;
    const int rows = n - first;
    for (int i = first; i < n; ++i)
        ops::rms_norm(&x[static_cast<size_t>(i) * d], output_norm_.data(), &xn[static_cast<size_t>(i - first) * d], d, c.rms_eps);
    project_rows(output_.matrix(), xn, rows, request.logits, pool);
    if (c.logit_scale != 1.0f) {
        const float inverse = 1.0f / c.logit_scale;  // llama.cpp multiplies by the reciprocal
        for (size_t k = 0; k < static_cast<size_t>(rows) * c.n_vocab; ++k) request.logits[k] *= inverse;
    }
}

}  // namespace moe
