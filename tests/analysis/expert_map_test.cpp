// The expert map on traces small enough to do the principal components by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/expert_map.h"
#include "table_fixtures.h"

namespace moe::analysis {
namespace {

TEST(ExpertMap, DomainsSplitTheExpertsAlongTheFirstAxis) {
    // Top-1 of 4 experts. Domain 0's two tokens go to experts 0 and 1, domain 1's to 2 and 3:
    // profiles (0.5, 0), (0.5, 0), (0, 0.5), (0, 0.5); centred ±(0.25, -0.25), all along
    // (1, -1)/√2 with coordinate ±0.25·√2, and no variance left for the second axis.
    const RoutingTable table = test::make_table(4, {1}, {{{0}}, {{1}}, {{2}}, {{3}}}, {0, 0, 0, 0}, {}, {0, 0, 1, 1},
                                                {"math", "code"});
    const ExpertMap map = expert_map(table, 0, /*frequent_tokens=*/0);
    ASSERT_EQ(map.points.size(), 4u);
    const double c = 0.25 * std::sqrt(2.0);
    const double expected_x[] = {c, c, -c, -c};
    const int expected_domain[] = {0, 0, 1, 1};
    for (int e = 0; e < 4; ++e) {
        EXPECT_NEAR(map.points[e].x, expected_x[e], 1e-12) << e;
        EXPECT_NEAR(map.points[e].y, 0.0, 1e-12) << e;
        EXPECT_EQ(map.points[e].load, 1) << e;
        EXPECT_EQ(map.points[e].dominant_domain, expected_domain[e]) << e;
    }
    EXPECT_NEAR(map.explained[0], 1.0, 1e-12);
    EXPECT_NEAR(map.explained[1], 0.0, 1e-12);
}

TEST(ExpertMap, FrequentTokensPlaceExpertsWithoutDomains) {
    // Top-2 of 3 experts, no domains. Token 7 (three times) always goes to {0, 1}, token 9
    // (twice) to {1, 2}, token 5 (once) to {0, 2}, which is not among the 2 most frequent.
    // Profiles over (token 7, token 9): e0 (1, 0), e1 (1, 1), e2 (0, 1); loads 4, 5, 3.
    // Centred: e0 (1/3, -2/3), e1 (1/3, 1/3), e2 (-2/3, 1/3). Its Gram matrix has eigenvalues
    // 1 (along (1, -1)/√2: coordinates 1/√2, 0, -1/√2) and 1/3 (along (1, 1)/√2: -1/(3√2),
    // 2/(3√2), -1/(3√2)); signed so the largest is positive. Explained: 3/4 and 1/4.
    const RoutingTable table = test::make_table(3, {1}, {{{0, 1}}, {{1, 2}}, {{0, 1}}, {{1, 2}}, {{0, 1}}, {{0, 2}}},
                                                {0, 0, 0, 0, 0, 0}, {7, 9, 7, 9, 7, 5});
    const ExpertMap map = expert_map(table, 0, /*frequent_tokens=*/2);
    const double r = 1 / std::sqrt(2.0);
    EXPECT_NEAR(map.points[0].x, r, 1e-12);
    EXPECT_NEAR(map.points[1].x, 0.0, 1e-12);
    EXPECT_NEAR(map.points[2].x, -r, 1e-12);
    EXPECT_NEAR(map.points[0].y, -r / 3, 1e-12);
    EXPECT_NEAR(map.points[1].y, 2 * r / 3, 1e-12);
    EXPECT_NEAR(map.points[2].y, -r / 3, 1e-12);
    EXPECT_EQ(map.points[0].load, 4);
    EXPECT_EQ(map.points[1].load, 5);
    EXPECT_EQ(map.points[2].load, 3);
    EXPECT_EQ(map.points[0].dominant_domain, -1);
    EXPECT_NEAR(map.explained[0], 0.75, 1e-12);
    EXPECT_NEAR(map.explained[1], 0.25, 1e-12);
}

}  // namespace
}  // namespace moe::analysis
