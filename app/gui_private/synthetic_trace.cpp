#include "gui_private/synthetic_trace.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>

namespace moe::gui {

moe::ModelInfo syntheticModelInfo(const SyntheticShape& shape) {
    moe::ModelInfo info;
    info.name = "synthetic";
    info.architecture = "deepseek2";
    info.n_layer = shape.n_layer;
    info.n_expert = shape.n_expert;
    info.n_expert_used = shape.n_expert_used;
    info.n_expert_shared = shape.n_expert_shared;
    info.n_leading_dense = shape.n_leading_dense;
    for (int l = shape.n_leading_dense; l < shape.n_layer; ++l) info.moe_layers.push_back(l);
    info.gating = "softmax";
    info.n_vocab = 32000;
    info.kv_bytes_per_token = 576 * 4 * shape.n_layer;
    info.kv_bytes_per_token_mha = 2 * 16 * 128 * 4 * shape.n_layer;
    return info;
}

std::vector<moe::TokenTrace> syntheticTokens(const SyntheticShape& shape, int first, int count) {
    std::vector<moe::TokenTrace> out;
    out.reserve(static_cast<size_t>(count));
    const int n_moe = shape.n_layer - shape.n_leading_dense;
    for (int i = first; i < first + count; ++i) {
        std::mt19937 rng(shape.seed * 7919u + static_cast<uint32_t>(i));
        std::normal_distribution<float> noise(0.0f, 1.5f);
        moe::TokenTrace t;
        t.step = i;
        t.pos = i;
        t.token_id = static_cast<int32_t>(rng() % 32000);
        t.text = i % 5 == 0 ? " the" : "tok" + std::to_string(i % 97);
        t.is_prompt = i < shape.prompt_tokens;
        t.total_ms = t.is_prompt ? 2.0 : 20.0 + (i % 7);
        t.layer_time_ms.assign(static_cast<size_t>(shape.n_layer), t.total_ms / shape.n_layer);
        for (int l = 0; l < n_moe; ++l) {
            moe::LayerRouting r;
            r.layer = shape.n_leading_dense + l;
            std::vector<float> logits(static_cast<size_t>(shape.n_expert));
            for (int e = 0; e < shape.n_expert; ++e) {
                // A few "popular" experts per layer so the load view has structure.
                const float bias = (e * 7 + l * 3) % 11 == 0 ? 1.5f : 0.0f;
                logits[static_cast<size_t>(e)] = noise(rng) + bias;
            }
            const float top = *std::max_element(logits.begin(), logits.end());
            float sum = 0;
            for (float& x : logits) sum += (x = std::exp(x - top));
            for (float& x : logits) x /= sum;
            r.probs = logits;
            r.scores = logits;
            std::vector<int> order(static_cast<size_t>(shape.n_expert));
            std::iota(order.begin(), order.end(), 0);
            std::partial_sort(order.begin(), order.begin() + shape.n_expert_used, order.end(),
                              [&](int a, int b) { return logits[static_cast<size_t>(a)] > logits[static_cast<size_t>(b)]; });
            float chosen_sum = 0;
            for (int k = 0; k < shape.n_expert_used; ++k) chosen_sum += logits[static_cast<size_t>(order[static_cast<size_t>(k)])];
            for (int k = 0; k < shape.n_expert_used; ++k) {
                const int e = order[static_cast<size_t>(k)];
                r.experts.push_back(e);
                r.weights.push_back(logits[static_cast<size_t>(e)] / chosen_sum);
            }
            r.time_ms = t.total_ms / shape.n_layer;
            t.moe_layers.push_back(std::move(r));
        }
        t.flops_dense = 2.0e9;
        t.flops_used = 0.3e9;
        t.weight_bytes_dense = 4.0e9;
        t.weight_bytes_used = 0.5e9;
        out.push_back(std::move(t));
    }
    return out;
}

}  // namespace moe::gui
