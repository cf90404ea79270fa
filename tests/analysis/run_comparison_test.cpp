// compare_runs and diff_layer on hand-made runs: a run against itself agrees everywhere, and a
// pair written out by hand gives the agreement worked out below.
#include <gtest/gtest.h>

#include "analysis/run_comparison.h"
#include "analysis/table_fixtures.h"

namespace moe::analysis {
namespace {

using test::make_table;

// 4 experts, MoE blocks 1 and 2, three tokens, top-2.
const std::vector<std::vector<std::vector<int>>> kSetsA = {
    {{0, 1}, {2, 3}}, {{1, 2}, {0, 1}}, {{3, 0}, {1, 2}}};
const std::vector<std::vector<std::vector<int>>> kSetsB = {
    {{0, 2}, {2, 3}}, {{2, 1}, {3, 2}}, {{3, 0}, {0, 1}}};

TEST(RunComparison, ARunAgreesWithItselfEverywhere) {
    const RoutingTable a = make_table(4, {1, 2}, kSetsA, {0, 0, 0});
    const RunComparison c = compare_runs(a, a);
    EXPECT_FALSE(c.diverged);
    EXPECT_EQ(c.tokens_compared, 3);
    ASSERT_EQ(c.layers.size(), 2u);
    for (const LayerAgreement& l : c.layers) {
        EXPECT_EQ(l.set_agreement, 1.0);
        EXPECT_EQ(l.top1_agreement, 1.0);
        EXPECT_EQ(l.jaccard, 1.0);
    }
    const LayerDiff diff = diff_layer(a, a, 1);
    for (int t = 0; t < 3; ++t)
        for (int e = 0; e < 4; ++e) EXPECT_NE(diff.at(t, e), Membership::AOnly) << t << "," << e;
    EXPECT_EQ(diff.at(0, 2), Membership::Both);
    EXPECT_EQ(diff.at(0, 0), Membership::Neither);
}

TEST(RunComparison, HandMadePair) {
    const RoutingTable a = make_table(4, {1, 2}, kSetsA, {0, 0, 0});
    const RoutingTable b = make_table(4, {1, 2}, kSetsB, {0, 0, 0});
    const RunComparison c = compare_runs(a, b);
    ASSERT_EQ(c.layers.size(), 2u);
    // Block 1: overlaps 1, 2, 2 of 2; unions 3, 2, 2; rank-0 0=0, 1≠2, 3=3.
    EXPECT_EQ(c.layers[0].layer, 1);
    EXPECT_DOUBLE_EQ(c.layers[0].set_agreement, (0.5 + 1 + 1) / 3);
    EXPECT_DOUBLE_EQ(c.layers[0].top1_agreement, 2.0 / 3);
    EXPECT_DOUBLE_EQ(c.layers[0].jaccard, (1.0 / 3 + 1 + 1) / 3);
    // Block 2: overlaps 2, 0, 1 of 2; unions 2, 4, 3; rank-0 2=2, 0≠3, 1≠0.
    EXPECT_DOUBLE_EQ(c.layers[1].set_agreement, (1 + 0 + 0.5) / 3);
    EXPECT_DOUBLE_EQ(c.layers[1].top1_agreement, 1.0 / 3);
    EXPECT_DOUBLE_EQ(c.layers[1].jaccard, (1 + 0 + 1.0 / 3) / 3);

    const LayerDiff diff = diff_layer(a, b, 0);
    ASSERT_EQ(diff.tokens, 3);
    ASSERT_EQ(diff.n_expert, 4);
    const Membership expected[3][4] = {
        {Membership::Both, Membership::AOnly, Membership::BOnly, Membership::Neither},
        {Membership::Neither, Membership::Both, Membership::Both, Membership::Neither},
        {Membership::Both, Membership::Neither, Membership::Neither, Membership::Both}};
    for (int t = 0; t < 3; ++t)
        for (int e = 0; e < 4; ++e) EXPECT_EQ(diff.at(t, e), expected[t][e]) << t << "," << e;
    const LayerDiff second = diff_layer(a, b, 1);
    EXPECT_EQ(second.at(1, 0), Membership::AOnly);
    EXPECT_EQ(second.at(1, 3), Membership::BOnly);
    EXPECT_EQ(second.at(2, 1), Membership::Both);
}

TEST(RunComparison, AgreementStopsAtTheFirstDivergenceButTheDiffGoesOn) {
    const RoutingTable a = make_table(4, {1, 2}, kSetsA, {0, 0, 0}, {5, 6, 7});
    const RoutingTable b = make_table(4, {1, 2}, kSetsB, {0, 0, 0}, {5, 6, 9});
    const RunComparison c = compare_runs(a, b);
    EXPECT_TRUE(c.diverged);
    EXPECT_EQ(c.tokens_compared, 2);
    EXPECT_EQ(c.divergence_pos, 2);
    EXPECT_EQ(c.token_a, 7);
    EXPECT_EQ(c.token_b, 9);
    // Block 1 over the first two tokens only.
    EXPECT_DOUBLE_EQ(c.layers[0].set_agreement, (0.5 + 1) / 2);
    EXPECT_DOUBLE_EQ(c.layers[0].top1_agreement, 0.5);
    EXPECT_DOUBLE_EQ(c.layers[0].jaccard, (1.0 / 3 + 1) / 2);
    EXPECT_EQ(diff_layer(a, b, 0).tokens, 3);
}

TEST(RunComparison, DiffOfRunsOfDifferentLengthsAndBadLayers) {
    const RoutingTable a = make_table(4, {1, 2}, kSetsA, {0, 0, 0});
    const RoutingTable shorter = make_table(4, {1, 2}, {kSetsB[0]}, {0});
    EXPECT_EQ(diff_layer(a, shorter, 0).tokens, 1);
    EXPECT_THROW(diff_layer(a, shorter, 2), std::invalid_argument);
    const RoutingTable other_layers = make_table(4, {1, 3}, kSetsB, {0, 0, 0});
    EXPECT_THROW(diff_layer(a, other_layers, 0), std::invalid_argument);
}

}  // namespace
}  // namespace moe::analysis
