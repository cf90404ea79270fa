// The routing analysis: every metric of README.md "Routing analytics", per MoE layer.
// Two entry points that give identical numbers (the same accumulators, fed in token order):
//   analyze_table: a RoutingTable (read from a routing CSV, .npz, ...), layers in parallel;
//   LiveAnalyzer:  TokenTraces as a run produces them (e.g. `profile`).
#pragma once

#include <functional>
#include <vector>

#include "analysis/analysis_report.h"
#include "analysis/layer_accumulator.h"
#include "analysis/routing_table.h"
#include "analysis/table_builder.h"
#include "trace/routing_trace.h"

namespace moe::analysis {

// Called with the share of work done (0..1) at most every few thousand tokens; returning false
// stops the analysis at the tokens done so far (the report then says complete = false).
using AnalysisProgress = std::function<bool(double fraction)>;

// The cache sizes to simulate: options.cache_sizes, or k, 2k, 4k, N/4, N/2 (those >= k),
// sorted and distinct, where k is the largest chosen set. Throws std::invalid_argument for a
// size below k.
std::vector<int> cache_sizes_for(const AnalysisOptions& options, int n_expert, int max_k);

// Throws std::invalid_argument (naming the token and layer) when the table is inconsistent.
AnalysisReport analyze_table(const RoutingTable& table, const AnalysisOptions& options = {},
                             const AnalysisProgress& progress = {});

class LiveAnalyzer {
public:
    explicit LiveAnalyzer(AnalysisOptions options = {}) : options_(std::move(options)) {}

    // Uses trace.sequence and trace.pos for sequence boundaries and trace.domain as its label.
    void add(const TokenTrace& trace);

    // The metrics over every token added so far (the caches and vocabulary are computed here).
    AnalysisReport report() const;
    // What is kept per token: ids, positions, texts and chosen sets, no probabilities.
    const RoutingTable& table() const { return builder_.table(); }

private:
    AnalysisOptions options_;
    RoutingTableBuilder builder_{false};
    std::vector<LayerAccumulator> layers_;
};

}  // namespace moe::analysis
