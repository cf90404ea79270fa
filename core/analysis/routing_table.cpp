#include "analysis/routing_table.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace moe::analysis {

namespace {

std::string where(size_t token, int layer) {
    return "token " + std::to_string(token) + ", MoE layer index " + std::to_string(layer);
}

}  // namespace

void check_table(const RoutingTable& table) {
    const size_t n = table.token_count();
    const size_t layers = table.layers.size();
    auto fail = [](const std::string& problem) { throw std::invalid_argument("routing table: " + problem); };
    if (table.n_expert <= 0 || table.n_expert >= kMaxExperts)
        fail("n_expert " + std::to_string(table.n_expert) + " is outside 1.." + std::to_string(kMaxExperts - 1));
    if (table.max_k <= 0 && n > 0) fail("max_k is " + std::to_string(table.max_k));
    if (table.positions.size() != n || table.sequences.size() != n)
        fail("token_ids, positions and sequences differ in length");
    if (!table.texts.empty() && table.texts.size() != n) fail("texts has the wrong length");
    if (!table.domains.empty() && table.domains.size() != n) fail("domains has the wrong length");
    const size_t slots = n * layers * static_cast<size_t>(table.max_k);
    if (table.experts.size() != slots) fail("experts has the wrong length");
    if (!table.weights.empty() && table.weights.size() != slots) fail("weights has the wrong length");
    if (!table.probs.empty() && table.probs.size() != n * layers * static_cast<size_t>(table.n_expert))
        fail("probs has the wrong length");
    for (size_t i = 1; i < layers; ++i)
        if (table.layers[i] <= table.layers[i - 1]) fail("layers are not ascending");
    for (size_t t = 0; t < n; ++t) {
        if (t > 0 && table.sequences[t] < table.sequences[t - 1]) fail("sequence ids go down at token " + std::to_string(t));
        if (!table.domains.empty() && table.domains[t] >= static_cast<int>(table.domain_names.size()))
            fail("token " + std::to_string(t) + " has domain index " + std::to_string(table.domains[t]) +
                 " but there are " + std::to_string(table.domain_names.size()) + " domain names");
        for (size_t l = 0; l < layers; ++l) {
            const ExpertId* set = table.chosen(t, static_cast<int>(l));
            const int size = table.set_size(t, static_cast<int>(l));
            if (size == 0) fail("empty chosen set at " + where(t, static_cast<int>(l)));
            for (int i = 0; i < table.max_k; ++i) {
                if (i >= size) {
                    if (set[i] != kNoExpert) fail("an expert follows an empty slot at " + where(t, static_cast<int>(l)));
                    continue;
                }
                if (set[i] >= table.n_expert)
                    fail("expert " + std::to_string(set[i]) + " >= n_expert " + std::to_string(table.n_expert) +
                         " at " + where(t, static_cast<int>(l)));
                for (int j = 0; j < i; ++j)
                    if (set[j] == set[i])
                        fail("expert " + std::to_string(set[i]) + " chosen twice at " + where(t, static_cast<int>(l)));
            }
        }
    }
}

void set_max_k(RoutingTable& table, int max_k) {
    if (max_k == table.max_k) return;
    const size_t rows = table.token_count() * table.layers.size();
    const size_t old_k = static_cast<size_t>(table.max_k), new_k = static_cast<size_t>(max_k);
    std::vector<ExpertId> experts(rows * new_k, kNoExpert);
    std::vector<float> weights(table.weights.empty() ? 0 : rows * new_k, 0.0f);
    for (size_t r = 0; r < rows; ++r) {
        for (size_t i = 0; i < old_k && i < new_k; ++i) {
            experts[r * new_k + i] = table.experts[r * old_k + i];
            if (!weights.empty()) weights[r * new_k + i] = table.weights[r * old_k + i];
        }
        if (old_k > new_k && table.experts[r * old_k + new_k] != kNoExpert)
            throw std::invalid_argument("routing table: a chosen set is larger than " + std::to_string(max_k));
    }
    table.experts = std::move(experts);
    table.weights = std::move(weights);
    table.max_k = max_k;
}

void append_table(RoutingTable& into, RoutingTable added) {
    if (into.token_count() == 0 && into.layers.empty()) {
        into = std::move(added);
        return;
    }
    if (added.n_expert != into.n_expert)
        throw std::invalid_argument("it has " + std::to_string(added.n_expert) + " experts per layer, the first trace " +
                                    std::to_string(into.n_expert));
    if (added.layers != into.layers) throw std::invalid_argument("its MoE layers differ from the first trace's");
    const int max_k = std::max(into.max_k, added.max_k);
    set_max_k(into, max_k);
    set_max_k(added, max_k);
    // Weights and probabilities survive only when both sides have them.
    const bool weights = !into.weights.empty() && !added.weights.empty();
    const bool probs = !into.probs.empty() && !added.probs.empty();
    const bool texts = !into.texts.empty() || !added.texts.empty();
    const bool domains = !into.domains.empty() || !added.domains.empty();
    const size_t n_into = into.token_count(), n_added = added.token_count();
    if (texts) {
        into.texts.resize(n_into);
        added.texts.resize(n_added);
    }
    if (domains) {
        into.domains.resize(n_into, -1);
        for (size_t t = 0; t < n_added; ++t) {
            int16_t domain = -1;
            if (!added.domains.empty() && added.domains[t] >= 0) {
                const std::string& name = added.domain_names[static_cast<size_t>(added.domains[t])];
                size_t index = 0;
                while (index < into.domain_names.size() && into.domain_names[index] != name) ++index;
                if (index == into.domain_names.size()) into.domain_names.push_back(name);
                domain = static_cast<int16_t>(index);
            }
            into.domains.push_back(domain);
        }
    }
    const uint32_t first_sequence = n_into == 0 ? 0 : into.sequences.back() + 1;
    into.token_ids.insert(into.token_ids.end(), added.token_ids.begin(), added.token_ids.end());
    into.positions.insert(into.positions.end(), added.positions.begin(), added.positions.end());
    for (uint32_t sequence : added.sequences) into.sequences.push_back(first_sequence + sequence);
    if (texts) into.texts.insert(into.texts.end(), added.texts.begin(), added.texts.end());
    into.experts.insert(into.experts.end(), added.experts.begin(), added.experts.end());
    if (weights) {
        into.weights.insert(into.weights.end(), added.weights.begin(), added.weights.end());
    } else {
        into.weights.clear();
    }
    if (probs) {
        into.probs.insert(into.probs.end(), added.probs.begin(), added.probs.end());
    } else {
        into.probs.clear();
    }
}

}  // namespace moe::analysis
