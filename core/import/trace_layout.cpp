#include "import/trace_layout.h"

#include <algorithm>
#include <stdexcept>

namespace moe::import {

void apply_layout(analysis::RoutingTable& table, const TraceLayout& layout, const std::string& path) {
    const int layers = table.layer_count();
    if (!layout.moe_layers.empty()) {
        if (static_cast<int>(layout.moe_layers.size()) != layers)
            throw std::runtime_error(path + ": the trace has " + std::to_string(layers) + " MoE layers but the model has " +
                                     std::to_string(layout.moe_layers.size()));
        table.layers = layout.moe_layers;
    } else if (layout.first_moe_layer >= 0) {
        if (layout.interval < 1) throw std::runtime_error(path + ": the MoE layer interval must be at least 1");
        for (int l = 0; l < layers; ++l) table.layers[static_cast<size_t>(l)] = layout.first_moe_layer + l * layout.interval;
    }
    if (layout.n_expert > 0) {
        if (table.n_expert > layout.n_expert) {
            const auto largest = *std::max_element(table.experts.begin(), table.experts.end(), [](auto a, auto b) {
                return (a == analysis::kNoExpert ? -1 : a) < (b == analysis::kNoExpert ? -1 : b);
            });
            if (largest != analysis::kNoExpert && largest >= layout.n_expert)
                throw std::runtime_error(path + ": the trace holds expert " + std::to_string(largest) +
                                         " but the model has " + std::to_string(layout.n_expert) + " experts");
        }
        table.n_expert = layout.n_expert;
    }
    if (table.model.empty()) table.model = layout.model_name;
}

void decode_token_texts(analysis::RoutingTable& table, int32_t vocab_size,
                        const std::function<std::string(int32_t)>& token_bytes, const std::string& path) {
    table.texts.assign(table.token_count(), std::string());
    for (size_t t = 0; t < table.token_count(); ++t) {
        const int32_t id = table.token_ids[t];
        if (id < 0) continue;
        if (id >= vocab_size)
            throw std::runtime_error(path + ": token id " + std::to_string(id) + " at token " + std::to_string(t) +
                                     " is outside the tokenizer's vocabulary of " + std::to_string(vocab_size));
        table.texts[t] = token_bytes(id);
    }
}

}  // namespace moe::import
