// The expert map: every routed expert of one MoE layer as a point in 2-D, placed by principal
// component analysis of what it takes: its share of each domain's tokens and of each frequent
// token's occurrences. Experts that serve the same domains and tokens land close together.
#pragma once

#include <cstdint>
#include <vector>

#include "analysis/routing_table.h"

namespace moe::analysis {

struct ExpertPoint {
    double x = 0, y = 0;       // coordinates on the first two principal components
    int64_t load = 0;          // #{t : e in E_t}
    int dominant_domain = -1;  // index into domain_names with the largest share, -1 without domains
};

struct ExpertMap {
    std::vector<ExpertPoint> points;  // (n_expert)
    double explained[2] = {0, 0};     // share of the profiles' variance along x and along y
};

// Profile of expert e (one row): for each domain D, #{t in D : e in E_t} / #{t in D}; then for
// each of the `frequent_tokens` most frequent token ids x (ties to the lower id), the share of
// x's occurrences whose set holds e. Rows are centred and projected on the two leading right
// singular vectors; each axis is signed so that its largest coordinate (the first on ties) is
// positive, which makes the picture the same on every run.
ExpertMap expert_map(const RoutingTable& table, int layer, int frequent_tokens = 32);

}  // namespace moe::analysis
