#include "analysis/expert_map.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <map>

namespace moe::analysis {

namespace {

// The ids of the `count` most frequent tokens, most frequent first, ties to the lower id.
std::vector<int32_t> frequent_ids(const RoutingTable& table, int count) {
    std::map<int32_t, int64_t> occurrences;
    for (int32_t id : table.token_ids)
        if (id >= 0) ++occurrences[id];
    std::vector<std::pair<int32_t, int64_t>> sorted(occurrences.begin(), occurrences.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    std::vector<int32_t> ids;
    for (size_t i = 0; i < sorted.size() && static_cast<int>(i) < count; ++i) ids.push_back(sorted[i].first);
    return ids;
}

}  // namespace

ExpertMap expert_map(const RoutingTable& table, int layer, int frequent_tokens) {
    const int n_expert = table.n_expert;
    const int n_domains = table.domains.empty() ? 0 : static_cast<int>(table.domain_names.size());
    const std::vector<int32_t> ids = frequent_ids(table, std::max(0, frequent_tokens));
    std::map<int32_t, int> column_of_id;
    for (size_t i = 0; i < ids.size(); ++i) column_of_id[ids[i]] = n_domains + static_cast<int>(i);

    // Counts first (per domain and per frequent token), divided by the totals afterwards.
    Eigen::MatrixXd profile = Eigen::MatrixXd::Zero(n_expert, n_domains + static_cast<int>(ids.size()));
    Eigen::VectorXd column_total = Eigen::VectorXd::Zero(profile.cols());
    ExpertMap map;
    map.points.resize(static_cast<size_t>(n_expert));
    for (size_t t = 0; t < table.token_count(); ++t) {
        const int domain = n_domains > 0 ? table.domains[t] : -1;
        const auto id = column_of_id.find(table.token_ids[t]);
        const int token_column = id == column_of_id.end() ? -1 : id->second;
        if (domain >= 0) column_total[domain] += 1;
        if (token_column >= 0) column_total[token_column] += 1;
        const ExpertId* set = table.chosen(t, layer);
        for (int i = 0; i < table.set_size(t, layer); ++i) {
            ++map.points[set[i]].load;
            if (domain >= 0) profile(set[i], domain) += 1;
            if (token_column >= 0) profile(set[i], token_column) += 1;
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
