#include "analysis/statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace moe::analysis {

double mutual_information_bits(const CountMatrix& joint) {
    const double total = static_cast<double>(joint.sum());
    if (total <= 0) return std::numeric_limits<double>::quiet_NaN();
    const Eigen::VectorXd rows = joint.rowwise().sum().cast<double>();
    const Eigen::RowVectorXd cols = joint.colwise().sum().cast<double>();
    double bits = 0;
    for (Eigen::Index b = 0; b < joint.cols(); ++b)
        for (Eigen::Index a = 0; a < joint.rows(); ++a) {
            const double n = static_cast<double>(joint(a, b));
            if (n > 0) bits += n / total * std::log2(n * total / (rows(a) * cols(b)));
        }
    return bits;
}

double random_overlap_chance(int n_expert, double mean_k) {
    const int k = std::clamp(static_cast<int>(std::lround(mean_k)), 1, n_expert);
    if (2 * k > n_expert) return 1.0;
    double disjoint = 1.0;  // C(N−k, k)/C(N, k) = Π_{i<k} (N−k−i)/(N−i)
    for (int i = 0; i < k; ++i) disjoint *= static_cast<double>(n_expert - k - i) / static_cast<double>(n_expert - i);
    return 1.0 - disjoint;
}

}  // namespace moe::analysis
