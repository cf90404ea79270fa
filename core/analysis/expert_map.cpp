#include "analysis/expert_map.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "analysis/vocabulary.h"

namespace moe::analysis {

namespace {

// Feature column of each dense token index: the `count` most frequent tokens (ties to the lower
// id) get columns first_column, first_column + 1, ... in that order; the others -1.
std::vector<int> frequent_token_columns(const TokenIndex& index, int count, int first_column) {
    std::vector<int32_t> order(index.ids.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int32_t>(i);
    std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
        if (index.input_total[a] != index.input_total[b]) return index.input_total[a] > index.input_total[b];
        return index.ids[a] < index.ids[b];
    });
    std::vector<int> column(index.ids.size(), -1);
    for (size_t i = 0; i < order.size() && static_cast<int>(i) < count; ++i)
        column[static_cast<size_t>(order[i])] = first_column + static_cast<int>(i);
    return column;
}

}  // namespace

ExpertMap expert_map(const RoutingTable& table, int layer, int frequent_tokens) {
    const int n_expert = table.n_expert;
    const int n_domains = table.domains.empty() ? 0 : static_cast<int>(table.domain_names.size());
    const TokenIndex tokens = index_tokens(table, table.token_count());
    const int n_frequent = std::min(std::max(0, frequent_tokens), static_cast<int>(tokens.ids.size()));
    const std::vector<int> token_column = frequent_token_columns(tokens, n_frequent, n_domains);

    // Counts first (per domain and per frequent token), divided by the totals afterwards.
    Eigen::MatrixXd profile = Eigen::MatrixXd::Zero(n_expert, n_domains + n_frequent);
    Eigen::VectorXd column_total = Eigen::VectorXd::Zero(profile.cols());
    ExpertMap map;
    map.points.resize(static_cast<size_t>(n_expert));
    for (size_t t = 0; t < table.token_count(); ++t) {
        const int domain = n_domains > 0 ? table.domains[t] : -1;
        const int32_t token = tokens.input[t];
        const int column = token >= 0 ? token_column[static_cast<size_t>(token)] : -1;
        if (domain >= 0) column_total[domain] += 1;
        if (column >= 0) column_total[column] += 1;
        const ExpertId* set = table.chosen(t, layer);
        for (int i = 0; i < table.set_size(t, layer); ++i) {
            ++map.points[set[i]].load;
            if (domain >= 0) profile(set[i], domain) += 1;
            if (column >= 0) profile(set[i], column) += 1;
        }
    }
    for (Eigen::Index c = 0; c < profile.cols(); ++c)
        if (column_total[c] > 0) profile.col(c) /= column_total[c];

    for (int e = 0; e < n_expert && n_domains > 0; ++e) {
        Eigen::Index best = 0;
        profile.row(e).head(n_domains).maxCoeff(&best);  // the first maximum: ties to the lower index
        map.points[static_cast<size_t>(e)].dominant_domain = static_cast<int>(best);
    }
    if (n_expert < 2 || profile.cols() == 0) return map;

    const Eigen::MatrixXd centred = profile.rowwise() - profile.colwise().mean();
    const Eigen::BDCSVD<Eigen::MatrixXd> svd(centred, Eigen::ComputeThinU);
    const Eigen::VectorXd& singular = svd.singularValues();
    const double total = singular.squaredNorm();
    for (int axis = 0; axis < 2 && axis < singular.size(); ++axis) {
        Eigen::VectorXd coordinates = svd.matrixU().col(axis) * singular[axis];
        // The first coordinate within rounding of the largest magnitude decides the sign.
        const double largest = coordinates.cwiseAbs().maxCoeff();
        Eigen::Index first = 0;
        while (std::abs(coordinates[first]) < largest * (1 - 1e-9)) ++first;
        if (coordinates[first] < 0) coordinates = -coordinates;
        for (int e = 0; e < n_expert; ++e) (axis == 0 ? map.points[e].x : map.points[e].y) = coordinates[e];
        map.explained[axis] = total > 0 ? singular[axis] * singular[axis] / total : 0;
    }
    return map;
}

}  // namespace moe::analysis
