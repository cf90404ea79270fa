// What the routing analysis computes, per MoE layer. The definitions are in README.md,
// "Routing analytics"; a value that is undefined (no pairs, no domains, no router
// probabilities, the last layer's next-layer MI) is NaN and becomes null in the JSON.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace moe::analysis {

using CountVector = Eigen::Matrix<int64_t, Eigen::Dynamic, 1>;
using CountMatrix = Eigen::Matrix<int64_t, Eigen::Dynamic, Eigen::Dynamic>;

struct AnalysisOptions {
    std::vector<int> cache_sizes;  // empty: k, 2k, 4k, N/4, N/2 (k = max set size; sizes < k dropped)
    bool oracle = true;            // Belady needs the whole trace in memory (2 bytes per id)
    int vocabulary_min_count = 5;  // N(x) needed to rank token x by consistency
    int vocabulary_top = 10;       // tokens listed per expert and ranking; 0 skips vocabulary
};

// The windows of distinct_per_window.
inline const std::vector<int> kDistinctWindows = {1, 4, 16, 64};

struct CacheHitRates {
    int size = 0;
    double lru = 0, lfu = 0, oracle = 0;  // oracle NaN when AnalysisOptions::oracle is off
};

struct DomainShare {
    int64_t tokens = 0;
    std::vector<double> share;  // (n_expert) #{t in D : e in E_t} / #{t in D}
};

struct TokenScore {
    int32_t token = 0;
    std::string text;
    int64_t count = 0;        // N(x, e)
    int64_t total = 0;        // N(x)
    double consistency = 0;   // N(x, e) / N(x)
};

struct TokenRankings {
    std::vector<TokenScore> by_count;        // N(x, e) descending, ties to the lower token id
    std::vector<TokenScore> by_consistency;  // N(x, e)/N(x) descending among N(x) >= min count,
                                             // ties to the larger N(x, e), then the lower id
};

struct ExpertVocabulary {
    TokenRankings input;  // x = the token evaluated
    TokenRankings next;   // x = the token that follows it in its sequence
};

struct LayerReport {
    int layer = 0;            // block index
    int64_t tokens = 0;
    double k = 0;             // mean chosen-set size
    CountVector load;         // (n_expert)
    std::vector<double> share;
    double cv = 0, entropy = 0, max_vio = 0, balance_fp = 0;
    std::vector<int> dead;
    int64_t pairs = 0;        // consecutive pairs within sequences
    double repeat_top1 = 0, repeat_top1_random = 0, repeat_any = 0, repeat_any_random = 0;
    Eigen::MatrixXd coactivation;     // (n_expert, n_expert) row i: P(j chosen | i chosen)
    double next_layer_mi_bits = 0;
    CountMatrix next_layer_transitions;  // (n_expert, n_expert) [e here][e next]; empty for the last
    std::vector<CacheHitRates> cache;
    std::vector<double> distinct_per_window;  // one per kDistinctWindows entry
    std::vector<double> coverage;             // (n_expert) share of load of the M busiest, M = 1..N
    std::map<std::string, DomainShare> domains;
    double domain_mi_bits = 0;
    std::vector<ExpertVocabulary> vocabulary;  // (n_expert), empty when skipped
};

struct AnalysisReport {
    int64_t tokens = 0;
    int64_t sequences = 0;
    int n_expert = 0;
    std::string model;
    bool complete = true;  // false when cancelled: the numbers cover the first `tokens` tokens
    std::vector<LayerReport> layers;
};

}  // namespace moe::analysis
