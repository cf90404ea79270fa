#include "models/moe_ffn.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "models/layer_kernels.h"
#include "models/router.h"
#include "util/scratch.h"
#include "ops/ops.h"
#include "parallel/thread_pool.h"
#include "quant/quant.h"

namespace moe {

namespace {

RouterParams router_params(const ModelConfig& c, const LayerWeights& w, int layer, const RoutingOverrides* overrides,
                           std::vector<bool>& disabled) {
    RouterParams params;
    params.gating = c.moe.gating;
    params.select_on_logits = c.moe.select_on_logits;
    params.n_expert = c.n_expert;
    params.k = c.n_expert_used;
    params.normalize = c.moe.weights_norm;
    params.scale = c.moe.weights_scale;
    params.n_group = c.moe.n_group;
    params.n_group_used = c.moe.n_group_used;
    params.selection_bias = w.selection_bias.empty() ? nullptr : w.selection_bias.data();
    if (overrides) {
        if (overrides->top_k > 0) params.k = std::min(overrides->top_k, c.n_expert);
        if (overrides->dense) params.k = c.n_expert;
        for (const auto& [l, e] : overrides->disabled) {
            if (l != layer || e < 0 || e >= c.n_expert) continue;
            disabled.resize(c.n_expert, false);
            disabled[e] = true;
        }
    }
    if (!disabled.empty()) params.disabled = &disabled;
    return params;
}

// rows (m, width) += the bias of `expert` (bias: (E, width)), when the model has one.
void add_expert_bias(const std::vector<float>& bias, int expert, float* rows, int m, int64_t width) {
    if (bias.empty() || expert < 0) return;
    for (int j = 0; j < m; ++j) ops::axpy(1.0f, &bias[static_cast<size_t>(expert) * width], rows + j * width, width);
}

}  // namespace

void expert_activation(const MoeSpec& spec, const float* gate, const float* up, float* out, int64_t n) {
    switch (spec.activation) {
        case ExpertActivation::Silu: ops::swiglu(gate, up, out, n); return;
        case ExpertActivation::Gelu:
            for (int64_t i = 0; i < n; ++i) {
                const float g = gate[i];
                const float inner = 0.7978845608f * (g + 0.044715f * g * g * g);  // √(2/π)
                out[i] = 0.5f * g * (1.0f + std::tanh(inner)) * up[i];
            }
            return;
        case ExpertActivation::ClampedSwiglu:
            for (int64_t i = 0; i < n; ++i) {
                const float g = std::min(gate[i], spec.swiglu_limit);
                const float u = std::clamp(up[i], -spec.swiglu_limit, spec.swiglu_limit);
                out[i] = g / (1.0f + std::exp(-spec.swiglu_alpha * g)) * (u + 1.0f);
            }
            return;
    }
}

void moe_ffn(const ModelConfig& c, const LayerWeights& w, int layer, const float* x, int n, float* out,
             const ForwardRequest& request) {
    ThreadPool& pool = *request.pool;
    const int d = c.n_embd, E = c.n_expert;

    thread_local ScratchBuffer logits_buffer, gathered_buffer, gate_buffer, up_buffer, down_buffer;
    float* logits = logits_buffer.floats(static_cast<size_t>(n) * E);  // (n, E)
    project_rows(w.router.matrix(), x, n, logits, pool);
    if (!w.router_bias.empty())
        for (int i = 0; i < n; ++i) ops::axpy(1.0f, w.router_bias.data(), &logits[static_cast<size_t>(i) * E], E);

    std::vector<bool> disabled;
    const RouterParams params = router_params(c, w, layer, request.overrides, disabled);
    std::vector<RoutingDecision> decisions(n);
    std::vector<std::vector<std::pair<int, float>>> tokens_of_expert(E);  // expert -> (token, weight)
    for (int i = 0; i < n; ++i) {
        route(&logits[static_cast<size_t>(i) * E], params, decisions[i]);
        for (size_t r = 0; r < decisions[i].experts.size(); ++r)
            tokens_of_expert[decisions[i].experts[r]].push_back({i, decisions[i].weights[r]});
    }

    // Each active expert runs on the tokens routed to it.
    struct ExpertWork {
        int expert;  // -1: the shared expert over all n tokens
        int m;
        const float* x;  // (m, d)
        float *gate, *up, *down;  // (m, ffn width), (m, ffn width), (m, d)
    };
    // Every item's rows are slices of one buffer per stage: the items' widths are known up front.
    const bool weight_before = c.moe.weight_before_expert;
    const int64_t ffn_expert = w.gate_exps.rows(), ffn_shared = w.gate_shexp ? w.gate_shexp.rows() : 0;
    size_t gathered_rows = 0, routed_rows = 0;
    for (const auto& picks : tokens_of_expert) {
        routed_rows += picks.size();
        if (picks.size() > 1 || (picks.size() == 1 && weight_before)) gathered_rows += picks.size();
    }
    const size_t ffn_floats = routed_rows * ffn_expert + static_cast<size_t>(n) * ffn_shared;
    float* gathered = gathered_buffer.floats(gathered_rows * d);
    float* gate = gate_buffer.floats(ffn_floats);
    float* up = up_buffer.floats(ffn_floats);
    float* down = down_buffer.floats((routed_rows + (w.gate_shexp ? n : 0)) * d);
    std::vector<ExpertWork> work;
    auto add_item = [&](int expert, int m, const float* rows, int64_t width) {
        work.push_back({expert, m, rows, gate, up, down});
        gate += m * width;
        up += m * width;
        down += static_cast<size_t>(m) * d;
    };
    for (int e = 0; e < E; ++e) {
        const auto& picks = tokens_of_expert[e];
        if (picks.empty()) continue;
        const int m = static_cast<int>(picks.size());
        if (m == 1 && !weight_before) {
            add_item(e, m, x + static_cast<size_t>(picks[0].first) * d, ffn_expert);
        } else {
            add_item(e, m, gathered, ffn_expert);
            for (int j = 0; j < m; ++j) {
                float* row = gathered + static_cast<size_t>(j) * d;
                std::memcpy(row, x + static_cast<size_t>(picks[j].first) * d, d * sizeof(float));
                if (weight_before)
                    for (int k = 0; k < d; ++k) row[k] *= picks[j].second;
            }
            gathered += static_cast<size_t>(m) * d;
        }
    }
    if (w.gate_shexp) add_item(-1, n, x, ffn_shared);

    auto matrix_of = [&](const ExpertWork& item, const Weight& routed, const Weight& shared) {
        return item.expert >= 0 ? routed.matrix(item.expert) : shared.matrix();
    };
    // Single tokens go through one batched mat-vec per stage, groups through one batched GEMM.
    std::vector<MatvecJob> batch;
    std::vector<MatmulJob> products;
    for (auto& item : work) {
        const WeightMatrix gate_w = matrix_of(item, w.gate_exps, w.gate_shexp);
        const WeightMatrix up_w = matrix_of(item, w.up_exps, w.up_shexp);
        if (item.m == 1) {
            batch.push_back({gate_w, item.x, item.gate});
            batch.push_back({up_w, item.x, item.up});
        } else {
            products.push_back({gate_w, item.x, d, item.m, item.gate, gate_w.rows});
            products.push_back({up_w, item.x, d, item.m, item.up, up_w.rows});
        }
    }
    matvec_batch(batch, pool);
    matmul_batch(products, pool);
    batch.clear();
    products.clear();
    // gate ← act(gate + bias) · (up + bias), in place
    auto activate = [&](const ExpertWork& item) {
        const int64_t width = item.expert >= 0 ? ffn_expert : ffn_shared;
        const int64_t size = item.m * width;
        add_expert_bias(w.gate_exps_b, item.expert, item.gate, item.m, width);
        add_expert_bias(w.up_exps_b, item.expert, item.up, item.m, width);
        if (item.expert >= 0) {
            expert_activation(c.moe, item.gate, item.up, item.gate, size);
        } else {
            ops::swiglu(item.gate, item.up, item.gate, size);
        }
    };
    std::vector<const ExpertWork*> batch_items;  // the item of each single-token down job
    for (auto& item : work) {
        const WeightMatrix down_w = matrix_of(item, w.down_exps, w.down_shexp);
        if (item.m == 1) {  // activated inside the down products' loop, by the thread that first needs it
            batch.push_back({down_w, item.gate, item.down});
            batch_items.push_back(&item);
        } else {
            activate(item);
            products.push_back({down_w, item.gate, down_w.cols, item.m, item.down, d});
        }
    }
    matvec_batch(batch, pool, [&](size_t job) { activate(*batch_items[job]); });
    matmul_batch(products, pool);

    std::fill(out, out + static_cast<size_t>(n) * d, 0.0f);
    std::vector<float> shared_gate(n, 1.0f);
    for (auto& item : work) {
        if (item.expert >= 0) {
            add_expert_bias(w.down_exps_b, item.expert, item.down, item.m, d);
            const auto& picks = tokens_of_expert[item.expert];
            for (int j = 0; j < item.m; ++j)
                ops::axpy(weight_before ? 1.0f : picks[j].second, &item.down[static_cast<size_t>(j) * d],
                          out + static_cast<size_t>(picks[j].first) * d, d);
            continue;
        }
        for (int i = 0; i < n; ++i) {
            const float* xi = x + static_cast<size_t>(i) * d;
            if (w.shexp_gate) shared_gate[i] = ops::sigmoid(quant::dot_row(w.shexp_gate.type(), w.shexp_gate.info->data, xi, d));
            ops::axpy(shared_gate[i], &item.down[static_cast<size_t>(i) * d], out + static_cast<size_t>(i) * d, d);
        }
    }

    if (!request.traces) return;
    for (int i = 0; i < n; ++i) {
        LayerRouting routing;
        routing.layer = layer;
        routing.probs = std::move(decisions[i].probs);
        routing.scores = std::move(decisions[i].scores);
        routing.experts = std::move(decisions[i].experts);
        routing.weights = std::move(decisions[i].weights);
        if (w.shexp_gate) routing.shared_gate = shared_gate[i];
        (*request.traces)[i].moe_layers.push_back(std::move(routing));
    }
}

}  // namespace moe
