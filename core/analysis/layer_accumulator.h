// The streaming part of the routing analysis for one MoE layer: every metric but the cache
// simulation and the vocabulary tables (computed at the end from the stored chosen sets),
// updated token by token. Its memory is O(n_expert²) and does not grow with the tokens.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/analysis_report.h"
#include "analysis/routing_table.h"

namespace moe::analysis {

// One token as one MoE layer saw it.
struct TokenAtLayer {
    const ExpertId* set = nullptr;  // the chosen set, rank 0 first
    int size = 0;
    int next_top1 = -1;             // rank-0 expert of the same token at the next MoE layer; -1 for the last
    const float* probs = nullptr;   // (n_expert) router probabilities, nullptr when unknown
    bool continues = false;         // the previous token is in the same sequence
    int domain = -1;                // index into the domain names, -1 none
};

// The TokenAtLayer of token t, MoE layer index l of a table.
TokenAtLayer token_at_layer(const RoutingTable& table, size_t t, int l);

class LayerAccumulator {
public:
    LayerAccumulator(int layer, int n_expert, bool last_layer);

    // Throws std::invalid_argument for an empty set, an id >= n_expert or a repeated id.
    void add(const TokenAtLayer& token);

    // Every streaming metric; cache and vocabulary are left for the caller.
    LayerReport report(const std::vector<std::string>& domain_names) const;

private:
    void slide_windows(const TokenAtLayer& token);

    int layer_, n_expert_;
    int64_t tokens_ = 0, ids_ = 0, prob_tokens_ = 0;
    CountVector load_;
    Eigen::VectorXd prob_sum_;
    CountMatrix coactivation_;  // (n_expert, n_expert) chosen-together counts, diagonal = load
    CountMatrix transitions_;   // (n_expert, n_expert) rank-0 here -> rank-0 at the next layer
    int64_t pairs_ = 0, repeat_top1_ = 0, repeat_any_ = 0;
    std::vector<uint64_t> stamp_;  // (n_expert) the token count when last chosen

    // The last 64 chosen sets of the current sequence, for repetition and the windows.
    static constexpr int kRing = 64;
    std::vector<ExpertId> ring_;  // (kRing, n_expert)
    std::vector<int> ring_size_;  // (kRing)
    int64_t sequence_pos_ = 0;    // index of the token in its sequence
    struct Window {
        int width;
        std::vector<int32_t> count;  // (n_expert) requests inside the window
        int distinct = 0;
        int64_t windows = 0, distinct_sum = 0;
    };
    std::vector<Window> windows_;

    std::vector<int64_t> domain_tokens_;
    std::vector<CountVector> domain_load_;  // [domain](n_expert)
    CountMatrix domain_top1_;               // (domains, n_expert)
};

}  // namespace moe::analysis
