// Closed-form pieces of the routing metrics, kept apart so tests can check them by hand.
#pragma once

#include "analysis/analysis_report.h"

namespace moe::analysis {

// I(A; B) in bits from joint counts (rows: A, columns: B); NaN when all counts are 0.
double mutual_information_bits(const CountMatrix& joint);

// 1 − C(N−k, k)/C(N, k): the chance that two sets of k experts drawn uniformly overlap.
// `mean_k` is rounded to the nearest integer (halves up) and clamped to 1..N.
double random_overlap_chance(int n_expert, double mean_k);

}  // namespace moe::analysis
