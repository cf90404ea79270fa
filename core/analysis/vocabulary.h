// Vocabulary specialisation (OLMoE §5.4): which tokens each expert takes, by count N(x, e) and
// by consistency N(x, e)/N(x), for the token evaluated and for the token that follows it.
// Computed at the end from the stored chosen sets, in O(tokens × k) per layer.
#pragma once

#include <cstdint>
#include <vector>

#include "analysis/analysis_report.h"
#include "analysis/routing_table.h"

namespace moe::analysis {

// The distinct token ids of the first n tokens of a table, numbered densely.
struct TokenIndex {
    std::vector<int32_t> input;   // (tokens) dense index of the token, -1 when its id is unknown
    std::vector<int32_t> next;    // (tokens) dense index of the next token of the sequence, or -1
    std::vector<int32_t> ids;     // dense index -> token id
    std::vector<size_t> first;    // dense index -> first token with that id (for its text)
    std::vector<int64_t> input_total, next_total;  // N(x) as input / as next token
};

TokenIndex index_tokens(const RoutingTable& table, size_t n_tokens);

// (n_expert) rankings for MoE layer index `layer` over the tokens the index covers.
std::vector<ExpertVocabulary> layer_vocabulary(const RoutingTable& table, int layer, const TokenIndex& index,
                                               const AnalysisOptions& options);

}  // namespace moe::analysis
