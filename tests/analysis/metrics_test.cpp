// Every metric on a six-token trace whose values are worked out by hand in the comments.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/routing_analysis.h"
#include "analysis/statistics.h"
#include "table_fixtures.h"

namespace moe::analysis {
namespace {

// N = 4 experts, k = 2, two MoE layers (blocks 1 and 2).
// Sequence 0 = tokens 0..3 (domain "code"), sequence 1 = tokens 4..5 (domain "math").
//   token id:  5      6      5      7      5      6
//   layer 1:  {0,1}  {0,2}  {1,0}  {3,2}  {3,0}  {2,3}
//   layer 2:  {0,1}  {0,1}  {0,1}  {1,0}  {0,1}  {1,0}
RoutingTable hand_table() {
    return test::make_table(4, {1, 2},
                            {{{0, 1}, {0, 1}}, {{0, 2}, {0, 1}}, {{1, 0}, {0, 1}},
                             {{3, 2}, {1, 0}}, {{3, 0}, {0, 1}}, {{2, 3}, {1, 0}}},
                            {0, 0, 0, 0, 1, 1}, {5, 6, 5, 7, 5, 6}, {0, 0, 0, 0, 1, 1}, {"code", "math"});
}

AnalysisOptions hand_options() {
    AnalysisOptions options;
    options.cache_sizes = {2, 3};
    options.vocabulary_min_count = 2;
    return options;
}

TEST(Metrics, LoadAndBalance) {
    const AnalysisReport report = analyze_table(hand_table(), hand_options());
    ASSERT_EQ(report.layers.size(), 2u);
    EXPECT_EQ(report.tokens, 6);
    EXPECT_EQ(report.sequences, 2);
    const LayerReport& a = report.layers[0];
    EXPECT_EQ(a.layer, 1);
    EXPECT_DOUBLE_EQ(a.k, 2.0);
    // load: e0 in tokens 0,1,2,4; e1 in 0,2; e2 in 1,3,5; e3 in 3,4,5.
    EXPECT_EQ(a.load[0], 4);
    EXPECT_EQ(a.load[1], 2);
    EXPECT_EQ(a.load[2], 3);
    EXPECT_EQ(a.load[3], 3);
    EXPECT_DOUBLE_EQ(a.share[0], 4.0 / 12);
    EXPECT_DOUBLE_EQ(a.share[1], 2.0 / 12);
    // mean 3, deviations 1, -1, 0, 0: variance 2/4.
    EXPECT_NEAR(a.cv, std::sqrt(0.5) / 3, 1e-12);
    const double entropy = -(1.0 / 3 * std::log(1.0 / 3) + 1.0 / 6 * std::log(1.0 / 6) + 2 * 0.25 * std::log(0.25)) / std::log(4.0);
    EXPECT_NEAR(a.entropy, entropy, 1e-12);
    EXPECT_NEAR(a.max_vio, 1.0 / 3, 1e-12);
    EXPECT_TRUE(a.dead.empty());
    EXPECT_TRUE(std::isnan(a.balance_fp));  // no router probabilities in the table
    // Sorted loads 4, 3, 3, 2 of 12.
    ASSERT_EQ(a.coverage.size(), 4u);
    EXPECT_DOUBLE_EQ(a.coverage[0], 4.0 / 12);
    EXPECT_DOUBLE_EQ(a.coverage[1], 7.0 / 12);
    EXPECT_DOUBLE_EQ(a.coverage[2], 10.0 / 12);
    EXPECT_DOUBLE_EQ(a.coverage[3], 1.0);

    // Layer 2: e0 and e1 take everything: loads 6, 6, 0, 0 (mean 3, deviations ±3).
    const LayerReport& b = report.layers[1];
    EXPECT_EQ(b.dead, (std::vector<int>{2, 3}));
    EXPECT_DOUBLE_EQ(b.cv, 1.0);
    EXPECT_DOUBLE_EQ(b.max_vio, 1.0);
    EXPECT_NEAR(b.entropy, std::log(2.0) / std::log(4.0), 1e-12);
    EXPECT_EQ(b.coverage, (std::vector<double>{0.5, 1.0, 1.0, 1.0}));
}

TEST(Metrics, BalanceTermFromRouterProbabilities) {
    RoutingTable table = hand_table();
    // Token 0 has probabilities (.4 .3 .2 .1) at both layers, the others (.1 .2 .3 .4).
    for (size_t t = 0; t < 6; ++t)
        for (int l = 0; l < 2; ++l)
            for (float p : t == 0 ? std::vector<float>{.4f, .3f, .2f, .1f} : std::vector<float>{.1f, .2f, .3f, .4f})
                table.probs.push_back(p);
    const LayerReport a = analyze_table(table, hand_options()).layers[0];
    // f_e = N·load/(k·T) = 4·(4,2,3,3)/12; P_e = (1·(.4,.3,.2,.1) + 5·(.1,.2,.3,.4))/6.
    const double f[4] = {16.0 / 12, 8.0 / 12, 1.0, 1.0};
    const double p[4] = {(0.4 + 0.5) / 6, (0.3 + 1.0) / 6, (0.2 + 1.5) / 6, (0.1 + 2.0) / 6};
    EXPECT_NEAR(a.balance_fp, f[0] * p[0] + f[1] * p[1] + f[2] * p[2] + f[3] * p[3], 1e-6);
}

TEST(Metrics, RepetitionNeverCrossesSequences) {
    const LayerReport a = analyze_table(hand_table(), hand_options()).layers[0];
    // Pairs (0,1) (1,2) (2,3) (4,5); (3,4) crosses sequences although both start with e3.
    EXPECT_EQ(a.pairs, 4);
    // Same rank-0: only (0,1).
    EXPECT_DOUBLE_EQ(a.repeat_top1, 0.25);
    // Shared expert: (0,1) share 0, (1,2) share 0, (4,5) share 3; (2,3) share nothing.
    EXPECT_DOUBLE_EQ(a.repeat_any, 0.75);
    EXPECT_DOUBLE_EQ(a.repeat_top1_random, 0.25);
    // 1 − C(2,2)/C(4,2) = 1 − 1/6.
    EXPECT_NEAR(a.repeat_any_random, 5.0 / 6, 1e-12);
}

TEST(Metrics, RandomOverlapChance) {
    // 64 experts, top-6: 1 − C(58,6)/C(64,6) = 1 − 40475358/74974368.
    EXPECT_NEAR(random_overlap_chance(64, 6.0), 1.0 - 40475358.0 / 74974368.0, 1e-12);
    // The mean set size is rounded: 5.5 -> 6, 5.4 -> 5 (1 − C(59,5)/C(64,5) = 1 − 5006386/7624512).
    EXPECT_NEAR(random_overlap_chance(64, 5.5), 1.0 - 40475358.0 / 74974368.0, 1e-12);
    EXPECT_NEAR(random_overlap_chance(64, 5.4), 1.0 - 5006386.0 / 7624512.0, 1e-12);
    EXPECT_EQ(random_overlap_chance(4, 3.0), 1.0);  // two sets of 3 out of 4 always meet
}

TEST(Metrics, Coactivation) {
    const LayerReport a = analyze_table(hand_table(), hand_options()).layers[0];
    // Pairs chosen together: (0,1) twice, (0,2) once, (0,3) once, (2,3) twice.
    const double expected[4][4] = {{1, 2.0 / 4, 1.0 / 4, 1.0 / 4},
                                   {2.0 / 2, 1, 0, 0},
                                   {1.0 / 3, 0, 1, 2.0 / 3},
                                   {1.0 / 3, 0, 2.0 / 3, 1}};
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) EXPECT_DOUBLE_EQ(a.coactivation(i, j), expected[i][j]) << i << "," << j;
    // Layer 2: experts 2 and 3 are never chosen, so their rows are 0.
    const LayerReport b = analyze_table(hand_table(), hand_options()).layers[1];
    EXPECT_EQ(b.coactivation.row(2).sum(), 0.0);
    EXPECT_EQ(b.coactivation(0, 1), 1.0);
}

TEST(Metrics, NextLayerInformation) {
    const AnalysisReport report = analyze_table(hand_table(), hand_options());
    const LayerReport& a = report.layers[0];
    // Rank-0 at layer 1 -> layer 2: (0,0) (0,0) (1,0) (3,1) (3,0) (2,1).
    EXPECT_EQ(a.next_layer_transitions(0, 0), 2);
    EXPECT_EQ(a.next_layer_transitions(3, 1), 1);
    EXPECT_EQ(a.next_layer_transitions.sum(), 6);
    // p(a) = 2/6, 1/6, 1/6, 2/6; p(b) = 4/6, 2/6.
    const double mi = 2.0 / 6 * std::log2((2.0 / 6) / (2.0 / 6 * 4.0 / 6)) +
                      1.0 / 6 * std::log2((1.0 / 6) / (1.0 / 6 * 4.0 / 6)) +
                      1.0 / 6 * std::log2((1.0 / 6) / (1.0 / 6 * 2.0 / 6)) +
                      1.0 / 6 * std::log2((1.0 / 6) / (2.0 / 6 * 4.0 / 6)) +
                      1.0 / 6 * std::log2((1.0 / 6) / (2.0 / 6 * 2.0 / 6));
    EXPECT_NEAR(a.next_layer_mi_bits, mi, 1e-12);
    EXPECT_NEAR(a.next_layer_mi_bits, std::log2(1.5), 1e-12);
    EXPECT_TRUE(std::isnan(report.layers[1].next_layer_mi_bits));
    EXPECT_EQ(report.layers[1].next_layer_transitions.size(), 0);
}

TEST(Metrics, Domains) {
    const LayerReport a = analyze_table(hand_table(), hand_options()).layers[0];
    ASSERT_EQ(a.domains.size(), 2u);
    const DomainShare& code = a.domains.at("code");
    EXPECT_EQ(code.tokens, 4);
    // code = tokens 0..3: e0 in 0,1,2; e1 in 0,2; e2 in 1,3; e3 in 3.
    EXPECT_EQ(code.share, (std::vector<double>{0.75, 0.5, 0.5, 0.25}));
    // math = tokens 4, 5: {3,0}, {2,3}.
    EXPECT_EQ(a.domains.at("math").share, (std::vector<double>{0.5, 0, 0.5, 1}));
    // Joint (domain, rank-0): code: e0 ×2, e1, e3; math: e3, e2.
    const double mi = 2.0 / 6 * std::log2((2.0 / 6) / (4.0 / 6 * 2.0 / 6)) +
                      1.0 / 6 * std::log2((1.0 / 6) / (4.0 / 6 * 1.0 / 6)) +
                      1.0 / 6 * std::log2((1.0 / 6) / (4.0 / 6 * 2.0 / 6)) +
                      1.0 / 6 * std::log2((1.0 / 6) / (2.0 / 6 * 2.0 / 6)) +
                      1.0 / 6 * std::log2((1.0 / 6) / (2.0 / 6 * 1.0 / 6));
    EXPECT_NEAR(a.domain_mi_bits, mi, 1e-12);
}

TEST(Metrics, NoDomainsGiveNull) {
    RoutingTable table = hand_table();
    table.domains.clear();
    table.domain_names.clear();
    const LayerReport a = analyze_table(table, hand_options()).layers[0];
    EXPECT_TRUE(a.domains.empty());
    EXPECT_TRUE(std::isnan(a.domain_mi_bits));
}

TEST(Metrics, CacheHitRates) {
    const LayerReport a = analyze_table(hand_table(), hand_options()).layers[0];
    ASSERT_EQ(a.cache.size(), 2u);
    // C = k = 2: after each token the cache is exactly E_t, so hits = |E_t ∩ E_t-1| over the
    // whole replay (sequences do not reset the cache): 0+1+1+0+1+1 of 12 requests.
    EXPECT_EQ(a.cache[0].size, 2);
    EXPECT_DOUBLE_EQ(a.cache[0].lru, 4.0 / 12);
    EXPECT_DOUBLE_EQ(a.cache[0].lfu, 4.0 / 12);
    EXPECT_DOUBLE_EQ(a.cache[0].oracle, 4.0 / 12);
    // C = 3. Token 3 {3,2} must evict one of {0,1}:
    //   LRU: both last requested by token 2 -> the lower id, 0; token 4 {3,0} misses 0 and
    //        evicts 1 (last used at token 2, before 2's token 3): hits 0+1+2+1+1+2 = 7.
    //   LFU: 0 has 3 requests, 1 has 2 -> evicts 1: hits 0+1+2+1+2+2 = 8.
    //   oracle: 0 is next wanted at token 4, 1 never -> evicts 1: 8.
    EXPECT_DOUBLE_EQ(a.cache[1].lru, 7.0 / 12);
    EXPECT_DOUBLE_EQ(a.cache[1].lfu, 8.0 / 12);
    EXPECT_DOUBLE_EQ(a.cache[1].oracle, 8.0 / 12);
}

TEST(Metrics, DefaultCacheSizes) {
    // k, 2k, 4k, N/4, N/2 kept when >= k, sorted, distinct.
    EXPECT_EQ(cache_sizes_for({}, 64, 6), (std::vector<int>{6, 12, 16, 24, 32}));
    EXPECT_EQ(cache_sizes_for({}, 16, 2), (std::vector<int>{2, 4, 8}));
    EXPECT_EQ(cache_sizes_for({}, 8, 4), (std::vector<int>{4, 8, 16}));
    AnalysisOptions options;
    options.cache_sizes = {1};
    EXPECT_THROW(cache_sizes_for(options, 16, 2), std::invalid_argument);
}

TEST(Metrics, DistinctPerWindow) {
    const LayerReport a = analyze_table(hand_table(), hand_options()).layers[0];
    // W=1: every set has 2 experts. W=4: one full window (tokens 0..3) with all 4 experts;
    // sequence 1 is too short. W=16, 64: no full window.
    EXPECT_DOUBLE_EQ(a.distinct_per_window[0], 2.0);
    EXPECT_DOUBLE_EQ(a.distinct_per_window[1], 4.0);
    EXPECT_TRUE(std::isnan(a.distinct_per_window[2]));
    EXPECT_TRUE(std::isnan(a.distinct_per_window[3]));

    // Top-1 over 8 experts, one sequence 0 1 0 2 3, then a second sequence 5 5 5 5.
    const RoutingTable table = test::make_table(8, {0}, {{{0}}, {{1}}, {{0}}, {{2}}, {{3}}, {{5}}, {{5}}, {{5}}, {{5}}},
                                                {0, 0, 0, 0, 0, 1, 1, 1, 1});
    AnalysisOptions options;
    options.cache_sizes = {1};
    const LayerReport w = analyze_table(table, options).layers[0];
    EXPECT_DOUBLE_EQ(w.distinct_per_window[0], 1.0);
    // Windows of 4: [0 1 0 2] = 3, [1 0 2 3] = 4, [5 5 5 5] = 1.
    EXPECT_DOUBLE_EQ(w.distinct_per_window[1], 8.0 / 3);
}

TEST(Metrics, Vocabulary) {
    const LayerReport a = analyze_table(hand_table(), hand_options()).layers[0];
    ASSERT_EQ(a.vocabulary.size(), 4u);
    // Expert 0 takes tokens 0,1,2,4 = ids 5,6,5,5. N(5) = 3, N(6) = 2, N(7) = 1.
    const TokenRankings& input0 = a.vocabulary[0].input;
    ASSERT_EQ(input0.by_count.size(), 2u);
    EXPECT_EQ(input0.by_count[0].token, 5);
    EXPECT_EQ(input0.by_count[0].count, 3);
    EXPECT_EQ(input0.by_count[0].text, "tok5");
    EXPECT_EQ(input0.by_count[1].token, 6);
    ASSERT_EQ(input0.by_consistency.size(), 2u);
    EXPECT_DOUBLE_EQ(input0.by_consistency[0].consistency, 1.0);  // 3 of 3
    EXPECT_DOUBLE_EQ(input0.by_consistency[1].consistency, 0.5);  // 1 of 2
    // Expert 3 takes tokens 3,4,5 = ids 7,5,6: one each, so ties go to the lower id; by
    // consistency 6 (1/2) beats 5 (1/3) and 7 is below the minimum count of 2.
    const TokenRankings& input3 = a.vocabulary[3].input;
    ASSERT_EQ(input3.by_count.size(), 3u);
    EXPECT_EQ(input3.by_count[0].token, 5);
    EXPECT_EQ(input3.by_count[2].token, 7);
    ASSERT_EQ(input3.by_consistency.size(), 2u);
    EXPECT_EQ(input3.by_consistency[0].token, 6);
    EXPECT_EQ(input3.by_consistency[1].token, 5);
    // Next tokens within sequences: 0->6, 1->5, 2->7, 4->6 (3 and 5 end their sequences).
    // Expert 0 (tokens 0,1,2,4): next ids 6,5,7,6; as next tokens N(6) = 2, N(5) = N(7) = 1.
    const TokenRankings& next0 = a.vocabulary[0].next;
    ASSERT_EQ(next0.by_count.size(), 3u);
    EXPECT_EQ(next0.by_count[0].token, 6);
    EXPECT_EQ(next0.by_count[0].count, 2);
    EXPECT_EQ(next0.by_count[1].token, 5);
    ASSERT_EQ(next0.by_consistency.size(), 1u);
    EXPECT_EQ(next0.by_consistency[0].token, 6);
    EXPECT_EQ(next0.by_consistency[0].total, 2);
}

TEST(Metrics, VaryingSetSizes) {
    // Overrides may change k per token: sets of 1, 3 and 2 -> k = 2; share over Σ load = 6.
    const RoutingTable table = test::make_table(4, {0}, {{{2}}, {{0, 1, 2}}, {{2, 3}}}, {0, 0, 0});
    AnalysisOptions options;
    options.cache_sizes = {3};
    const LayerReport a = analyze_table(table, options).layers[0];
    EXPECT_DOUBLE_EQ(a.k, 2.0);
    EXPECT_DOUBLE_EQ(a.share[2], 3.0 / 6);
    // Pairs (0,1) and (1,2) both share expert 2; rank-0 2,0,2 never repeats.
    EXPECT_DOUBLE_EQ(a.repeat_any, 1.0);
    EXPECT_DOUBLE_EQ(a.repeat_top1, 0.0);
}

TEST(Metrics, CancelledAnalysisCoversAPrefix) {
    // 20000 top-1 tokens cycling through 4 experts; stop at the first progress call.
    std::vector<std::vector<std::vector<int>>> sets;
    for (int t = 0; t < 20000; ++t) sets.push_back({{t % 4}});
    const RoutingTable table = test::make_table(4, {0}, sets, std::vector<uint32_t>(20000, 0));
    const AnalysisReport report = analyze_table(table, {}, [](double) { return false; });
    EXPECT_FALSE(report.complete);
    ASSERT_GT(report.tokens, 0);
    ASSERT_LT(report.tokens, 20000);
    // The numbers are those of the prefix that was analysed.
    const int64_t n = report.tokens;
    EXPECT_EQ(report.layers[0].load.sum(), n);
    EXPECT_EQ(report.layers[0].load[0], (n + 3) / 4);
    EXPECT_EQ(report.layers[0].pairs, n - 1);
}

TEST(Metrics, BadTablesAreRefused) {
    RoutingTable table = hand_table();
    table.experts[3] = 9;  // token 0, layer 2, rank 1: id >= N
    try {
        analyze_table(table);
        FAIL() << "expected an error";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("expert 9 >= n_expert 4"), std::string::npos) << e.what();
    }
    table = hand_table();
    table.experts[1] = 0;  // token 0, layer 1: {0, 0}
    EXPECT_THROW(analyze_table(table), std::invalid_argument);
}

}  // namespace
}  // namespace moe::analysis
