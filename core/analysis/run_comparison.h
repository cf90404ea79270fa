// Two runs over the same tokens (two quantizations, two settings, baseline vs what-if):
// how often their routers agree, per MoE layer, over the tokens before their first divergence.
#pragma once

#include <cstdint>
#include <cstddef>
#include <string>
#include <vector>

#include "analysis/routing_table.h"

namespace moe::analysis {

struct LayerAgreement {
    int layer = 0;
    double set_agreement = 0;   // mean |E_A ∩ E_B| / |E_A| (OLMoE's router saturation)
    double top1_agreement = 0;  // share of tokens with e_A = e_B
    double jaccard = 0;         // mean |E_A ∩ E_B| / |E_A ∪ E_B|
};

struct RunComparison {
    int64_t tokens_a = 0, tokens_b = 0;
    int64_t tokens_compared = 0;  // the leading tokens whose ids agree
    bool diverged = false;        // a token id differs, or one run is longer
    // At the first divergence (index = tokens_compared); -1 for a run that ended there.
    int64_t divergence_pos = -1;
    int32_t token_a = -1, token_b = -1;
    std::string text_a, text_b;
    std::vector<LayerAgreement> layers;
};

// Throws std::invalid_argument when the runs have different MoE layers.
RunComparison compare_runs(const RoutingTable& a, const RoutingTable& b);

// Where an expert was chosen at one position of two token-aligned runs.
enum class Membership : uint8_t { Neither = 0, AOnly = 1, BOnly = 2, Both = 3 };

// One MoE layer of two runs side by side, token by token: position t of A against position t
// of B for t below the shorter run's length (past the first divergence too; the tokens then
// differ, which RunComparison says where).
struct LayerDiff {
    int tokens = 0;
    int n_expert = 0;                // the larger of the two runs'
    std::vector<Membership> cells;   // (tokens, n_expert)
    Membership at(int token, int expert) const {
        return cells[static_cast<size_t>(token) * static_cast<size_t>(n_expert) + static_cast<size_t>(expert)];
    }
};

// `layer` indexes the MoE layers; throws std::invalid_argument when the runs have different
// MoE layers or the index is out of range.
LayerDiff diff_layer(const RoutingTable& a, const RoutingTable& b, int layer);

std::string comparison_json(const RunComparison& comparison);

}  // namespace moe::analysis
