// Live TokenTraces -> RoutingTable, so a run's trace can be analysed, saved or compared like
// an imported one. Sequence ids follow SequenceSplitter over (TokenTrace::sequence, pos).
#pragma once

#include <vector>

#include "analysis/routing_table.h"
#include "trace/routing_trace.h"

namespace moe::analysis {

class RoutingTableBuilder {
public:
    // keep_values: store the weights and the full router probabilities (n_expert floats per
    // token and layer), not only the chosen ids.
    explicit RoutingTableBuilder(bool keep_values = true) : keep_values_(keep_values) {}

    // The first trace fixes the experts (its probs size) and the MoE layers; a later trace
    // that differs throws std::invalid_argument.
    void add(const TokenTrace& trace);

    const RoutingTable& table() const { return table_; }
    RoutingTable take() { return std::move(table_); }

private:
    int16_t domain_index(const std::string& name);

    bool keep_values_;
    RoutingTable table_;
    SequenceSplitter splitter_;
};

RoutingTable table_from_traces(const std::vector<TokenTrace>& traces);

}  // namespace moe::analysis
