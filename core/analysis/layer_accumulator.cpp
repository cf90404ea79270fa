#include "analysis/layer_accumulator.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>

#include "analysis/statistics.h"

namespace moe::analysis {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double ratio(int64_t numerator, int64_t denominator) {
    return denominator ? static_cast<double>(numerator) / static_cast<double>(denominator) : kNaN;
}

}  // namespace

TokenAtLayer token_at_layer(const RoutingTable& table, size_t t, int l) {
    TokenAtLayer token;
    token.set = table.chosen(t, l);
    token.size = table.set_size(t, l);
    if (l + 1 < table.layer_count()) token.next_top1 = table.chosen(t, l + 1)[0];
    if (!table.probs.empty())
        token.probs = table.probs.data() + (t * table.layers.size() + static_cast<size_t>(l)) * static_cast<size_t>(table.n_expert);
    token.continues = t > 0 && table.sequences[t] == table.sequences[t - 1];
    token.domain = table.domains.empty() ? -1 : table.domains[t];
    return token;
}

LayerAccumulator::LayerAccumulator(int layer, int n_expert, bool last_layer)
    : layer_(layer), n_expert_(n_expert), load_(CountVector::Zero(n_expert)),
      prob_sum_(Eigen::VectorXd::Zero(n_expert)), coactivation_(CountMatrix::Zero(n_expert, n_expert)),
      transitions_(last_layer ? CountMatrix() : CountMatrix::Zero(n_expert, n_expert)),
      stamp_(static_cast<size_t>(n_expert), 0), ring_(static_cast<size_t>(kRing) * static_cast<size_t>(n_expert), kNoExpert),
      ring_size_(kRing, 0), domain_top1_(0, n_expert) {
    for (int width : kDistinctWindows) windows_.push_back({width, std::vector<int32_t>(static_cast<size_t>(n_expert), 0)});
}

void LayerAccumulator::add(const TokenAtLayer& token) {
    const ExpertId* set = token.set;
    const int size = token.size;
    if (size <= 0 || size > n_expert_)
        throw std::invalid_argument("layer " + std::to_string(layer_) + ": a chosen set of " + std::to_string(size) +
                                    " experts (expected 1.." + std::to_string(n_expert_) + ")");
    ++tokens_;
    const uint64_t stamp = static_cast<uint64_t>(tokens_);
    for (int i = 0; i < size; ++i) {
        const ExpertId e = set[i];
        if (e >= n_expert_)
            throw std::invalid_argument("layer " + std::to_string(layer_) + ": expert " + std::to_string(e) +
                                        " >= n_expert " + std::to_string(n_expert_));
        if (stamp_[e] == stamp)
            throw std::invalid_argument("layer " + std::to_string(layer_) + ": expert " + std::to_string(e) +
                                        " chosen twice by one token");
        stamp_[e] = stamp;
    }

    ids_ += size;
    int64_t* coactivation = coactivation_.data();
    for (int i = 0; i < size; ++i) {
        ++load_[set[i]];
        int64_t* column = coactivation + static_cast<size_t>(set[i]) * static_cast<size_t>(n_expert_);
        for (int j = 0; j < size; ++j) ++column[set[j]];
    }
    if (token.probs) {
        prob_sum_ += Eigen::Map<const Eigen::VectorXf>(token.probs, n_expert_).cast<double>();
        ++prob_tokens_;
    }
    if (token.next_top1 >= 0 && transitions_.size() > 0) ++transitions_(set[0], token.next_top1);

    if (!token.continues) {
        sequence_pos_ = 0;
        for (Window& window : windows_) {
            std::fill(window.count.begin(), window.count.end(), 0);
            window.distinct = 0;
        }
    } else if (sequence_pos_ > 0) {
        const size_t previous = static_cast<size_t>((sequence_pos_ - 1) % kRing);
        const ExpertId* before = ring_.data() + previous * static_cast<size_t>(n_expert_);
        ++pairs_;
        repeat_top1_ += before[0] == set[0];
        bool shared = false;
        for (int i = 0; i < ring_size_[previous] && !shared; ++i) shared = stamp_[before[i]] == stamp;
        repeat_any_ += shared;
    }
    slide_windows(token);

    if (token.domain >= 0) {
        const size_t d = static_cast<size_t>(token.domain);
        if (d >= domain_tokens_.size()) {
            domain_tokens_.resize(d + 1, 0);
            domain_load_.resize(d + 1, CountVector::Zero(n_expert_));
            domain_top1_.conservativeResizeLike(CountMatrix::Zero(static_cast<Eigen::Index>(d + 1), n_expert_));
        }
        ++domain_tokens_[d];
        for (int i = 0; i < size; ++i) ++domain_load_[d][set[i]];
        ++domain_top1_(static_cast<Eigen::Index>(d), set[0]);
    }
}

// Adds this token to every window and drops the token that falls out of it; a full window
// (W tokens of one sequence) adds its distinct count to the mean.
void LayerAccumulator::slide_windows(const TokenAtLayer& token) {
    const size_t slot = static_cast<size_t>(sequence_pos_ % kRing);
    for (Window& window : windows_) {
        if (sequence_pos_ >= window.width) {
            const size_t out = static_cast<size_t>((sequence_pos_ - window.width) % kRing);
            const ExpertId* old = ring_.data() + out * static_cast<size_t>(n_expert_);
            for (int i = 0; i < ring_size_[out]; ++i) window.distinct -= --window.count[old[i]] == 0;
        }
        for (int i = 0; i < token.size; ++i) window.distinct += window.count[token.set[i]]++ == 0;
        if (sequence_pos_ + 1 >= window.width) {
            ++window.windows;
            window.distinct_sum += window.distinct;
        }
    }
    std::copy(token.set, token.set + token.size, ring_.begin() + static_cast<std::ptrdiff_t>(slot * static_cast<size_t>(n_expert_)));
    ring_size_[slot] = token.size;
    ++sequence_pos_;
}

LayerReport LayerAccumulator::report(const std::vector<std::string>& domain_names) const {
    LayerReport r;
    r.layer = layer_;
    r.tokens = tokens_;
    r.k = ratio(ids_, tokens_);
    r.load = load_;
    const double n = static_cast<double>(n_expert_);
    const double total = static_cast<double>(ids_);
    const double mean = total / n;
    r.share.resize(static_cast<size_t>(n_expert_));
    double variance = 0, entropy = 0;
    for (int e = 0; e < n_expert_; ++e) {
        const double share = ids_ ? static_cast<double>(load_[e]) / total : kNaN;
        r.share[static_cast<size_t>(e)] = share;
        if (share > 0) entropy -= share * std::log(share);
        variance += (static_cast<double>(load_[e]) - mean) * (static_cast<double>(load_[e]) - mean);
        if (load_[e] == 0) r.dead.push_back(e);
    }
    variance /= n;
    r.cv = ids_ ? std::sqrt(variance) / mean : kNaN;
    r.entropy = ids_ ? entropy / std::log(n) : kNaN;
    r.max_vio = ids_ ? (static_cast<double>(load_.maxCoeff()) - mean) / mean : kNaN;
    // f_e = N·load_e/(k·T) with k·T = Σ load; P_e = mean router probability of e.
    r.balance_fp = kNaN;
    if (ids_ && prob_tokens_ == tokens_) {
        const Eigen::VectorXd f = load_.cast<double>() * (n / total);
        r.balance_fp = f.dot(prob_sum_ / static_cast<double>(tokens_));
    }

    r.pairs = pairs_;
    r.repeat_top1 = ratio(repeat_top1_, pairs_);
    r.repeat_any = ratio(repeat_any_, pairs_);
    r.repeat_top1_random = 1.0 / n;
    r.repeat_any_random = tokens_ ? random_overlap_chance(n_expert_, r.k) : kNaN;

    r.coactivation = Eigen::MatrixXd::Zero(n_expert_, n_expert_);
    for (int i = 0; i < n_expert_; ++i)
        if (load_[i] > 0) r.coactivation.row(i) = coactivation_.row(i).cast<double>() / static_cast<double>(load_[i]);
    r.next_layer_transitions = transitions_;
    r.next_layer_mi_bits = transitions_.size() ? mutual_information_bits(transitions_) : kNaN;

    for (const Window& window : windows_) r.distinct_per_window.push_back(ratio(window.distinct_sum, window.windows));

    std::vector<int64_t> sorted(load_.data(), load_.data() + n_expert_);
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    int64_t running = 0;
    for (int64_t value : sorted) {
        running += value;
        r.coverage.push_back(ratio(running, ids_));
    }

    for (size_t d = 0; d < domain_tokens_.size() && d < domain_names.size(); ++d) {
        if (domain_tokens_[d] == 0) continue;
        DomainShare& domain = r.domains[domain_names[d]];
        domain.tokens = domain_tokens_[d];
        for (int e = 0; e < n_expert_; ++e) domain.share.push_back(ratio(domain_load_[d][e], domain_tokens_[d]));
    }
    r.domain_mi_bits = domain_top1_.size() ? mutual_information_bits(domain_top1_) : kNaN;
    return r;
}

}  // namespace moe::analysis
