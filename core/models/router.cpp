#include "models/router.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "ops/ops.h"

namespace moe {

namespace {

constexpr float kMinWeightSum = 6.103515625e-5f;  // llama.cpp clamps the renormalising sum here

bool ranks_before(const std::vector<float>& scores, int a, int b) {
    return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
}

// Keeps the n_group_used groups whose two best scores sum highest; masks the rest.
void mask_groups(std::vector<float>& scores, int n_group, int n_group_used) {
    const int n = static_cast<int>(scores.size());
    const int group_size = n / n_group;
    std::vector<float> group_score(n_group);
    for (int g = 0; g < n_group; ++g) {
        float best = -INFINITY, second = -INFINITY;
        for (int e = g * group_size; e < (g + 1) * group_size; ++e) {
            if (scores[e] > best) {
                second = best;
                best = scores[e];
            } else if (scores[e] > second) {
                second = scores[e];
            }
        }
        group_score[g] = best + second;
    }
    std::vector<int> order(n_group);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return group_score[a] > group_score[b]; });
    for (int r = n_group_used; r < n_group; ++r)
        for (int e = order[r] * group_size; e < (order[r] + 1) * group_size; ++e) scores[e] = -INFINITY;
}

}  // namespace

void route(const float* logits, const RouterParams& params, RoutingDecision& out) {
    const int n = params.n_expert;
    out.probs.assign(logits, logits + n);
    if (params.gating == Gating::Sigmoid) {
        for (float& p : out.probs) p = ops::sigmoid(p);
    } else {  // SoftmaxTopK shows the full softmax, which ranks like the logits it selects on
        ops::softmax(out.probs.data(), n);
    }
    const bool logit_scores = params.select_on_logits || params.gating == Gating::SoftmaxTopK;
    out.scores = logit_scores ? std::vector<float>(logits, logits + n) : out.probs;
    if (params.selection_bias)
        for (int e = 0; e < n; ++e) out.scores[e] += params.selection_bias[e];
    if (params.disabled)
        for (int e = 0; e < n; ++e)
            if ((*params.disabled)[e]) out.scores[e] = -INFINITY;
    const bool all_experts = params.k >= n;
    if (params.n_group > 1 && !all_experts) mask_groups(out.scores, params.n_group, params.n_group_used);

    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    const int k = std::min(params.k, n);
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [&](int a, int b) { return ranks_before(out.scores, a, b); });
    out.experts.clear();
    for (int r = 0; r < k; ++r)
        if (out.scores[order[r]] != -INFINITY) out.experts.push_back(order[r]);

    out.weights.resize(out.experts.size());
    if (params.gating == Gating::SoftmaxTopK) {
        for (size_t r = 0; r < out.experts.size(); ++r) out.weights[r] = logits[out.experts[r]];
        if (!out.weights.empty()) ops::softmax(out.weights.data(), static_cast<int64_t>(out.weights.size()));
    } else {
        for (size_t r = 0; r < out.experts.size(); ++r) out.weights[r] = out.probs[out.experts[r]];
    }
    float sum = 0.0f;
    for (float w : out.weights) sum += w;
    if (params.normalize)
        for (float& w : out.weights) w /= std::max(sum, kMinWeightSum);
    if (params.scale != 0.0f && params.scale != 1.0f)
        for (float& w : out.weights) w *= params.scale;
}

}  // namespace moe
