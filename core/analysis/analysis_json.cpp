#include "analysis/analysis_json.h"

#include "util/json_writer.h"

namespace moe::analysis {

namespace {

template <typename Matrix>
void write_matrix(JsonWriter& json, const Matrix& matrix) {
    json.begin_array();
    for (Eigen::Index i = 0; i < matrix.rows(); ++i) {
        json.begin_array();
        for (Eigen::Index j = 0; j < matrix.cols(); ++j) json.value(matrix(i, j));
        json.end_array();
    }
    json.end_array();
}

void write_scores(JsonWriter& json, const std::vector<TokenScore>& scores) {
    json.begin_array();
    for (const TokenScore& s : scores) {
        json.begin_object().key("token").value(s.token).key("text").value(s.text);
        json.key("count").value(s.count).key("total").value(s.total).key("consistency").value(s.consistency);
        json.end_object();
    }
    json.end_array();
}

void write_rankings(JsonWriter& json, const TokenRankings& rankings) {
    json.begin_object().key("by_count");
    write_scores(json, rankings.by_count);
    json.key("by_consistency");
    write_scores(json, rankings.by_consistency);
    json.end_object();
}

void write_layer(JsonWriter& json, const LayerReport& r) {
    json.begin_object();
    json.key("layer").value(r.layer).key("tokens").value(r.tokens).key("k").value(r.k);
    json.key("load").begin_array();
    for (Eigen::Index e = 0; e < r.load.size(); ++e) json.value(r.load[e]);
    json.end_array();
    json.key("share").array(r.share);
    json.key("cv").value(r.cv).key("entropy").value(r.entropy).key("max_vio").value(r.max_vio);
    json.key("balance_fp").value(r.balance_fp).key("dead").array(r.dead);
    json.key("pairs").value(r.pairs);
    json.key("repeat_top1").value(r.repeat_top1).key("repeat_top1_random").value(r.repeat_top1_random);
    json.key("repeat_any").value(r.repeat_any).key("repeat_any_random").value(r.repeat_any_random);
    json.key("coactivation");
    write_matrix(json, r.coactivation);
    json.key("next_layer_mi_bits").value(r.next_layer_mi_bits);
    json.key("next_layer_transitions");
    write_matrix(json, r.next_layer_transitions);
    json.key("cache").begin_array();
    for (const CacheHitRates& c : r.cache)
        json.begin_object().key("size").value(c.size).key("lru").value(c.lru).key("lfu").value(c.lfu).key("oracle").value(c.oracle).end_object();
    json.end_array();
    json.key("distinct_per_window").begin_array();
    for (size_t w = 0; w < r.distinct_per_window.size(); ++w)
        json.begin_object().key("window").value(kDistinctWindows[w]).key("mean").value(r.distinct_per_window[w]).end_object();
    json.end_array();
    json.key("coverage").array(r.coverage);
    json.key("domains").begin_object();
    for (const auto& [name, domain] : r.domains) {
        json.key(name).begin_object().key("tokens").value(domain.tokens).key("share").array(domain.share).end_object();
    }
    json.end_object();
    json.key("domain_mi_bits").value(r.domain_mi_bits);
    json.key("vocabulary").begin_array();
    for (size_t e = 0; e < r.vocabulary.size(); ++e) {
        json.begin_object().key("expert").value(static_cast<int>(e)).key("input");
        write_rankings(json, r.vocabulary[e].input);
        json.key("next");
        write_rankings(json, r.vocabulary[e].next);
        json.end_object();
    }
    json.end_array();
    json.end_object();
}

}  // namespace

std::string analysis_json(const AnalysisReport& report) {
    JsonWriter json;
    json.begin_object();
    json.key("tokens").value(report.tokens).key("sequences").value(report.sequences);
    json.key("n_expert").value(report.n_expert).key("model").value(report.model);
    json.key("complete").value(report.complete);
    json.key("layers").begin_array();
    for (const LayerReport& layer : report.layers) write_layer(json, layer);
    json.end_array().end_object();
    return json.str() + "\n";
}

}  // namespace moe::analysis
