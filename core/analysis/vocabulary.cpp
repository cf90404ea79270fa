#include "analysis/vocabulary.h"

#include <algorithm>
#include <unordered_map>

namespace moe::analysis {

TokenIndex index_tokens(const RoutingTable& table, size_t n_tokens) {
    TokenIndex index;
    index.input.assign(n_tokens, -1);
    index.next.assign(n_tokens, -1);
    std::unordered_map<int32_t, int32_t> dense;
    for (size_t t = 0; t < n_tokens; ++t) {
        const int32_t id = table.token_ids[t];
        if (id < 0) continue;
        auto [it, added] = dense.try_emplace(id, static_cast<int32_t>(index.ids.size()));
        if (added) {
            index.ids.push_back(id);
            index.first.push_back(t);
        }
        index.input[t] = it->second;
    }
    index.input_total.assign(index.ids.size(), 0);
    index.next_total.assign(index.ids.size(), 0);
    for (size_t t = 0; t < n_tokens; ++t) {
        if (index.input[t] >= 0) ++index.input_total[static_cast<size_t>(index.input[t])];
        if (t + 1 < n_tokens && table.sequences[t + 1] == table.sequences[t]) {
            index.next[t] = index.input[t + 1];
            if (index.next[t] >= 0) ++index.next_total[static_cast<size_t>(index.next[t])];
        }
    }
    return index;
}

namespace {

// Rankings of every expert for one side (input or next): the tokens routed to each expert are
// bucketed by expert, then counted with a dense tally that is cleared after each expert.
std::vector<TokenRankings> rank_side(const RoutingTable& table, int layer, const std::vector<int32_t>& tokens,
                                     const std::vector<int64_t>& totals, const TokenIndex& index,
                                     const AnalysisOptions& options) {
    const size_t n_expert = static_cast<size_t>(table.n_expert);
    std::vector<size_t> begin(n_expert + 1, 0);
    for (size_t t = 0; t < tokens.size(); ++t) {
        if (tokens[t] < 0) continue;
        const ExpertId* set = table.chosen(t, layer);
        for (int i = 0; i < table.max_k && set[i] != kNoExpert; ++i) ++begin[set[i] + 1];
    }
    for (size_t e = 0; e < n_expert; ++e) begin[e + 1] += begin[e];
    std::vector<int32_t> bucket(begin[n_expert]);
    std::vector<size_t> fill(begin.begin(), begin.end() - 1);
    for (size_t t = 0; t < tokens.size(); ++t) {
        if (tokens[t] < 0) continue;
        const ExpertId* set = table.chosen(t, layer);
        for (int i = 0; i < table.max_k && set[i] != kNoExpert; ++i) bucket[fill[set[i]]++] = tokens[t];
    }

    const size_t top = static_cast<size_t>(options.vocabulary_top);
    auto score = [&](int32_t x, int64_t count) {
        const size_t i = static_cast<size_t>(x);
        const std::string text = table.texts.empty() ? std::string() : table.texts[index.first[i]];
        return TokenScore{index.ids[i], text, count, totals[i],
                          static_cast<double>(count) / static_cast<double>(totals[i])};
    };
    std::vector<int64_t> tally(index.ids.size(), 0);
    std::vector<int32_t> seen;
    std::vector<TokenRankings> rankings(n_expert);
    for (size_t e = 0; e < n_expert; ++e) {
        seen.clear();
        for (size_t i = begin[e]; i < begin[e + 1]; ++i)
            if (tally[static_cast<size_t>(bucket[i])]++ == 0) seen.push_back(bucket[i]);
        const auto count = [&](int32_t x) { return tally[static_cast<size_t>(x)]; };
        const auto id = [&](int32_t x) { return index.ids[static_cast<size_t>(x)]; };

        std::vector<int32_t> by_count = seen;
        const auto count_order = [&](int32_t a, int32_t b) {
            return count(a) != count(b) ? count(a) > count(b) : id(a) < id(b);
        };
        const size_t n_count = std::min(top, by_count.size());
        std::partial_sort(by_count.begin(), by_count.begin() + static_cast<std::ptrdiff_t>(n_count), by_count.end(), count_order);
        for (size_t i = 0; i < n_count; ++i) rankings[e].by_count.push_back(score(by_count[i], count(by_count[i])));

        std::vector<int32_t> by_consistency;
        for (int32_t x : seen)
            if (totals[static_cast<size_t>(x)] >= options.vocabulary_min_count) by_consistency.push_back(x);
        // a/A > b/B  <=>  a·B > b·A, exact in integers.
        const auto consistency_order = [&](int32_t a, int32_t b) {
            const int64_t left = count(a) * totals[static_cast<size_t>(b)];
            const int64_t right = count(b) * totals[static_cast<size_t>(a)];
            if (left != right) return left > right;
            return count_order(a, b);
        };
        const size_t n_consistent = std::min(top, by_consistency.size());
        std::partial_sort(by_consistency.begin(), by_consistency.begin() + static_cast<std::ptrdiff_t>(n_consistent),
                          by_consistency.end(), consistency_order);
        for (size_t i = 0; i < n_consistent; ++i)
            rankings[e].by_consistency.push_back(score(by_consistency[i], count(by_consistency[i])));

        for (int32_t x : seen) tally[static_cast<size_t>(x)] = 0;
    }
    return rankings;
}

}  // namespace

std::vector<ExpertVocabulary> layer_vocabulary(const RoutingTable& table, int layer, const TokenIndex& index,
                                               const AnalysisOptions& options) {
    if (options.vocabulary_top <= 0) return {};
    std::vector<TokenRankings> input = rank_side(table, layer, index.input, index.input_total, index, options);
    std::vector<TokenRankings> next = rank_side(table, layer, index.next, index.next_total, index, options);
    std::vector<ExpertVocabulary> vocabulary(input.size());
    for (size_t e = 0; e < input.size(); ++e) vocabulary[e] = {std::move(input[e]), std::move(next[e])};
    return vocabulary;
}

}  // namespace moe::analysis
