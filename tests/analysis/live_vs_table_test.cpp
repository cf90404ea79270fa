// The live path (TokenTraces as a run produces them), the table path and the routing-CSV path
// give the same numbers on a real run of the demo model.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "analysis/analysis_json.h"
#include "analysis/routing_analysis.h"
#include "demo_runs.h"
#include "engine/demo_model.h"
#include "engine/engine.h"
#include "import/trace_reader.h"
#include "support/test_support.h"

namespace moe::analysis {
namespace {

// Two greedy runs (two sequences) of the demo model, labelled with domains.
const std::vector<TokenTrace>& demo_traces() {
    static const std::vector<TokenTrace> traces = [] {
        std::vector<TokenTrace> all;
        const std::vector<test::LabelledPrompt> prompts = {{"int main(void) {", "code"},
                                                           {"The sea was calm and the", "english"}};
        test::run_demo_prompts(prompts, 40, [&](int run, const TokenTrace& trace) {
            TokenTrace labelled = trace;
            labelled.sequence = run;
            labelled.domain = prompts[static_cast<size_t>(run)].domain;
            all.push_back(std::move(labelled));
        });
        return all;
    }();
    return traces;
}

bool demo_model_present() { return std::ifstream(demo_model_path()).good(); }

TEST(LiveVsTable, LiveAnalyzerEqualsTableFromTraces) {
    if (!demo_model_present()) GTEST_SKIP() << "demo model not found at " << demo_model_path();
    const auto& traces = demo_traces();
    ASSERT_GT(traces.size(), 60u);
    LiveAnalyzer live;
    for (const TokenTrace& trace : traces) live.add(trace);
    const AnalysisReport from_live = live.report();
    const AnalysisReport from_table = analyze_table(table_from_traces(traces));

    EXPECT_EQ(from_live.tokens, static_cast<int64_t>(traces.size()));
    EXPECT_EQ(from_live.sequences, 2);
    ASSERT_EQ(from_live.layers.size(), from_table.layers.size());
    for (size_t l = 0; l < from_live.layers.size(); ++l) {
        const LayerReport& a = from_live.layers[l];
        const LayerReport& b = from_table.layers[l];
        EXPECT_FALSE(std::isnan(a.balance_fp));  // the live path has the full router output
        EXPECT_EQ(a.balance_fp, b.balance_fp);
        EXPECT_EQ(a.cv, b.cv);
        EXPECT_EQ(a.coactivation, b.coactivation);
        EXPECT_EQ(a.domains.size(), 2u);
        EXPECT_EQ(a.domain_mi_bits, b.domain_mi_bits);
    }
    EXPECT_EQ(analysis_json(from_live), analysis_json(from_table));
}

TEST(LiveVsTable, RoutingCsvEqualsLive) {
    if (!demo_model_present()) GTEST_SKIP() << "demo model not found at " << demo_model_path();
    // The CSV has no doc/domain columns: compare with unlabelled traces (the runs still split
    // into two sequences because the second starts again at pos 0).
    std::vector<TokenTrace> traces = demo_traces();
    std::string csv = routing_csv_header();
    for (TokenTrace& trace : traces) {
        trace.domain.clear();
        append_routing_csv(csv, trace);
    }
    const std::string path = test::temp_dir() + "/demo-routing.csv";
    std::ofstream(path, std::ios::binary) << csv;

    LiveAnalyzer live;
    for (const TokenTrace& trace : traces) live.add(trace);
    AnalysisReport expected = live.report();
    import::TraceReadOptions options;
    options.n_expert = static_cast<int>(traces[0].moe_layers[0].probs.size());
    const AnalysisReport from_csv = analyze_table(import::read_trace(path, options));

    ASSERT_EQ(from_csv.layers.size(), expected.layers.size());
    EXPECT_EQ(from_csv.sequences, 2);
    for (size_t l = 0; l < expected.layers.size(); ++l) {
        // Only the chosen experts' probabilities are in the CSV: balance_fp is unknown there.
        EXPECT_TRUE(std::isnan(from_csv.layers[l].balance_fp));
        EXPECT_EQ(from_csv.layers[l].next_layer_transitions, expected.layers[l].next_layer_transitions);
        expected.layers[l].balance_fp = std::nan("");
    }
    EXPECT_EQ(analysis_json(from_csv), analysis_json(expected));
}

}  // namespace
}  // namespace moe::analysis
