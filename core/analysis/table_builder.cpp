#include "analysis/table_builder.h"

#include <algorithm>
#include <stdexcept>

namespace moe::analysis {

int16_t RoutingTableBuilder::domain_index(const std::string& name) {
    if (name.empty()) return -1;
    auto& names = table_.domain_names;
    const auto found = std::find(names.begin(), names.end(), name);
    if (found != names.end()) return static_cast<int16_t>(found - names.begin());
    names.push_back(name);
    return static_cast<int16_t>(names.size() - 1);
}

void RoutingTableBuilder::add(const TokenTrace& trace) {
    if (table_.token_count() == 0) {
        if (trace.moe_layers.empty() || trace.moe_layers[0].probs.empty())
            throw std::invalid_argument("token trace without MoE layers or router probabilities");
        table_.n_expert = static_cast<int>(trace.moe_layers[0].probs.size());
        for (const LayerRouting& layer : trace.moe_layers) table_.layers.push_back(layer.layer);
        table_.max_k = 1;
    }
    if (trace.moe_layers.size() != table_.layers.size())
        throw std::invalid_argument("token trace at step " + std::to_string(trace.step) + " has " +
                                    std::to_string(trace.moe_layers.size()) + " MoE layers, the first had " +
                                    std::to_string(table_.layers.size()));
    int widest = table_.max_k;
    for (const LayerRouting& layer : trace.moe_layers) widest = std::max(widest, static_cast<int>(layer.experts.size()));
    set_max_k(table_, widest);

    table_.token_ids.push_back(trace.token_id);
    table_.positions.push_back(trace.pos);
    table_.sequences.push_back(splitter_.next(trace.sequence, trace.pos));
    table_.texts.push_back(trace.text);
    const int16_t domain = domain_index(trace.domain);
    // Domains are stored from the first labelled token on; the tokens before it get -1.
    if (domain >= 0 || !table_.domains.empty()) {
        table_.domains.resize(table_.token_count() - 1, -1);
        table_.domains.push_back(domain);
    }

    const size_t k = static_cast<size_t>(table_.max_k);
    const size_t first = table_.experts.size();
    table_.experts.resize(first + trace.moe_layers.size() * k, kNoExpert);
    if (keep_values_) table_.weights.resize(table_.experts.size(), 0.0f);
    for (size_t l = 0; l < trace.moe_layers.size(); ++l) {
        const LayerRouting& layer = trace.moe_layers[l];
        if (layer.layer != table_.layers[l] || static_cast<int>(layer.probs.size()) != table_.n_expert)
            throw std::invalid_argument("token trace at step " + std::to_string(trace.step) +
                                        " differs in MoE layers or experts from the first");
        for (size_t i = 0; i < layer.experts.size(); ++i) {
            table_.experts[first + l * k + i] = static_cast<ExpertId>(layer.experts[i]);
            if (keep_values_ && i < layer.weights.size()) table_.weights[first + l * k + i] = layer.weights[i];
        }
        if (keep_values_) table_.probs.insert(table_.probs.end(), layer.probs.begin(), layer.probs.end());
    }
}

RoutingTable table_from_traces(const std::vector<TokenTrace>& traces) {
    RoutingTableBuilder builder;
    for (const TokenTrace& trace : traces) builder.add(trace);
    return builder.take();
}

}  // namespace moe::analysis
