#include "analysis/run_comparison.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "util/json_writer.h"

namespace moe::analysis {

RunComparison compare_runs(const RoutingTable& a, const RoutingTable& b) {
    if (a.layers != b.layers) throw std::invalid_argument("the two runs have different MoE layers");
    RunComparison c;
    c.tokens_a = static_cast<int64_t>(a.token_count());
    c.tokens_b = static_cast<int64_t>(b.token_count());
    const size_t common = std::min(a.token_count(), b.token_count());
    size_t n = 0;
    while (n < common && a.token_ids[n] == b.token_ids[n]) ++n;
    c.tokens_compared = static_cast<int64_t>(n);
    c.diverged = n < a.token_count() || n < b.token_count();
    if (c.diverged) {
        const RoutingTable& present = n < a.token_count() ? a : b;
        c.divergence_pos = present.positions[n];
        if (n < a.token_count()) {
            c.token_a = a.token_ids[n];
            c.text_a = a.texts.empty() ? "" : a.texts[n];
        }
        if (n < b.token_count()) {
            c.token_b = b.token_ids[n];
            c.text_b = b.texts.empty() ? "" : b.texts[n];
        }
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (int l = 0; l < a.layer_count(); ++l) {
        double overlap_share = 0, top1 = 0, jaccard = 0;
        for (size_t t = 0; t < n; ++t) {
            const int size_a = a.set_size(t, l), size_b = b.set_size(t, l);
            const ExpertId* set_a = a.chosen(t, l);
            const ExpertId* set_b = b.chosen(t, l);
            int overlap = 0;
            for (int i = 0; i < size_a; ++i) overlap += std::find(set_b, set_b + size_b, set_a[i]) != set_b + size_b;
            overlap_share += size_a ? static_cast<double>(overlap) / size_a : 0.0;
            top1 += size_a && size_b && set_a[0] == set_b[0];
            const int united = size_a + size_b - overlap;
            jaccard += united ? static_cast<double>(overlap) / united : 0.0;
        }
        const double count = static_cast<double>(n);
        c.layers.push_back({a.layers[static_cast<size_t>(l)], n ? overlap_share / count : nan, n ? top1 / count : nan,
                            n ? jaccard / count : nan});
    }
    return c;
}

LayerDiff diff_layer(const RoutingTable& a, const RoutingTable& b, int layer) {
    if (a.layers != b.layers) throw std::invalid_argument("the two runs have different MoE layers");
    if (layer < 0 || layer >= a.layer_count())
        throw std::invalid_argument("MoE layer index " + std::to_string(layer) + " is out of range");
    LayerDiff diff;
    diff.tokens = static_cast<int>(std::min(a.token_count(), b.token_count()));
    diff.n_expert = std::max(a.n_expert, b.n_expert);
    diff.cells.assign(static_cast<size_t>(diff.tokens) * static_cast<size_t>(diff.n_expert), Membership::Neither);
    const auto mark = [&](const RoutingTable& run, int t, uint8_t bit) {
        const ExpertId* set = run.chosen(static_cast<size_t>(t), layer);
        for (int i = 0; i < run.set_size(static_cast<size_t>(t), layer); ++i) {
            Membership& cell = diff.cells[static_cast<size_t>(t) * static_cast<size_t>(diff.n_expert) + set[i]];
            cell = static_cast<Membership>(static_cast<uint8_t>(cell) | bit);
        }
    };
    for (int t = 0; t < diff.tokens; ++t) {
        mark(a, t, static_cast<uint8_t>(Membership::AOnly));
        mark(b, t, static_cast<uint8_t>(Membership::BOnly));
    }
    return diff;
}

std::string comparison_json(const RunComparison& c) {
    JsonWriter json;
    json.begin_object();
    json.key("tokens_a").value(c.tokens_a).key("tokens_b").value(c.tokens_b);
    json.key("tokens_compared").value(c.tokens_compared).key("first_divergence");
    if (c.diverged) {
        json.begin_object().key("index").value(c.tokens_compared).key("pos").value(c.divergence_pos);
        json.key("token_a").value(c.token_a).key("text_a").value(c.text_a);
        json.key("token_b").value(c.token_b).key("text_b").value(c.text_b).end_object();
    } else {
        json.raw_value("null");
    }
    json.key("layers").begin_array();
    for (const LayerAgreement& l : c.layers) {
        json.begin_object().key("layer").value(l.layer).key("set_agreement").value(l.set_agreement);
        json.key("top1_agreement").value(l.top1_agreement).key("jaccard").value(l.jaccard).end_object();
    }
    json.end_array().end_object();
    return json.str() + "\n";
}

}  // namespace moe::analysis
