// Small routing tables written out by hand for the analysis tests.
#pragma once

#include <string>
#include <vector>

#include "analysis/routing_table.h"

namespace moe::test {

// sets[t][l]: the chosen set of token t at MoE layer index l, rank 0 first.
inline analysis::RoutingTable make_table(int n_expert, const std::vector<int>& layers,
                                         const std::vector<std::vector<std::vector<int>>>& sets,
                                         const std::vector<uint32_t>& sequences, const std::vector<int32_t>& token_ids = {},
                                         const std::vector<int16_t>& domains = {},
                                         const std::vector<std::string>& domain_names = {}) {
    analysis::RoutingTable table;
    table.n_expert = n_expert;
    table.layers = layers;
    table.max_k = 1;
    for (const auto& token : sets)
        for (const auto& set : token) table.max_k = std::max(table.max_k, static_cast<int>(set.size()));
    for (size_t t = 0; t < sets.size(); ++t) {
        table.token_ids.push_back(token_ids.empty() ? static_cast<int32_t>(t) : token_ids[t]);
        table.positions.push_back(static_cast<int32_t>(t));
        table.sequences.push_back(sequences[t]);
        table.texts.push_back("tok" + std::to_string(table.token_ids.back()));
        for (const auto& set : sets[t])
            for (int i = 0; i < table.max_k; ++i)
                table.experts.push_back(i < static_cast<int>(set.size()) ? static_cast<analysis::ExpertId>(set[static_cast<size_t>(i)])
                                                                         : analysis::kNoExpert);
    }
    table.domains = domains;
    table.domain_names = domain_names;
    return table;
}

}  // namespace moe::test
