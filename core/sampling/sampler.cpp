#include "sampling/sampler.h"

#include <algorithm>
#include <cmath>

#include "ops/ops.h"

namespace moe {

// What a scan keeping the first strictly larger logit returns (NaNs never win; a NaN first logit
// does), in two vectorised passes: the maximum, then its first position. The scan's compare and
// branch per logit took ~30 µs of every decoded token at 102400 logits.
int32_t argmax(const float* logits, int n_vocab) {
    if (n_vocab <= 1) return 0;
    const float best = ops::largest(logits, n_vocab);
    if (std::isnan(best)) return 0;
    return static_cast<int32_t>(std::find(logits, logits + n_vocab, best) - logits);
}

int32_t Sampler::sample(const float* logits, int n_vocab) {
    if (params_.temperature <= 0.0f) return argmax(logits, n_vocab);

    candidates_.clear();
    for (int32_t i = 0; i < n_vocab; ++i) candidates_.push_back({logits[i], i});
    auto by_logit = [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); };
    size_t keep = candidates_.size();
    if (params_.top_k > 0) keep = std::min(keep, static_cast<size_t>(params_.top_k));
    std::partial_sort(candidates_.begin(), candidates_.begin() + keep, candidates_.end(), by_logit);
    candidates_.resize(keep);

    // Softmax at temperature T over the survivors, then the smallest prefix with mass ≥ top_p.
    const float max_logit = candidates_.front().first;
    double sum = 0.0;
    for (auto& c : candidates_) {
        c.first = std::exp((c.first - max_logit) / params_.temperature);
        sum += c.first;
    }
    if (params_.top_p < 1.0f) {
        double mass = 0.0;
        size_t n = 0;
        while (n < candidates_.size()) {
            mass += candidates_[n++].first / sum;
            if (mass >= params_.top_p) break;
        }
        candidates_.resize(n);
        sum = 0.0;
        for (const auto& c : candidates_) sum += c.first;
    }
    std::uniform_real_distribution<double> uniform(0.0, sum);
    double target = uniform(rng_);
    for (const auto& c : candidates_) {
        target -= c.first;
        if (target <= 0.0) return c.second;
    }
    return candidates_.back().second;
}

}  // namespace moe
