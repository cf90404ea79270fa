#include "models/layer_kernels.h"

#include <algorithm>

#include "ops/ops.h"
#include "parallel/thread_pool.h"
#include "quant/quant.h"

namespace moe {

void project_rows(const WeightMatrix& w, const float* x, int n, float* y, ThreadPool& pool) {
    if (n == 1) {
        matvec(w, x, y, pool);
    } else {
        matmul(w, x, w.cols, n, y, w.rows, pool);
    }
}

void matvec_batch(const std::vector<MatvecJob>& jobs, ThreadPool& pool) {
    std::vector<int64_t> first_row(jobs.size() + 1, 0);  // prefix sums of rows
    for (size_t j = 0; j < jobs.size(); ++j) first_row[j + 1] = first_row[j] + jobs[j].w.rows;
    pool.parallel_for(first_row.back(), [&](int64_t begin, int64_t end, int) {
        size_t j = std::upper_bound(first_row.begin(), first_row.end(), begin) - first_row.begin() - 1;
        for (int64_t row = begin; row < end; ++row) {
            while (row >= first_row[j + 1]) ++j;
            const MatvecJob& job = jobs[j];
            const int64_t r = row - first_row[j];
            job.y[r] = quant::dot_row(job.w.type, job.w.row(r), job.x, job.w.cols);
        }
    }, 16);
}

void project_all(const std::vector<Projection>& projections, const float* x, int n, ThreadPool& pool) {
    if (n == 1) {
        std::vector<MatvecJob> jobs;
        for (const auto& p : projections) jobs.push_back({p.w, x, p.y});
        matvec_batch(jobs, pool);
        return;
    }
    for (const auto& p : projections) project_rows(p.w, x, n, p.y, pool);
}

void matvec_serial(const WeightMatrix& w, const float* x, float* y) {
    for (int64_t r = 0; r < w.rows; ++r) y[r] = quant::dot_row(w.type, w.row(r), x, w.cols);
}

void matvec_transposed_serial(const WeightMatrix& w, const float* x, float* y, std::vector<float>& row) {
    row.resize(w.cols);
    std::fill(y, y + w.cols, 0.0f);
    for (int64_t r = 0; r < w.rows; ++r) {
        quant::dequantize_row(w.type, w.row(r), row.data(), w.cols);
        ops::axpy(x[r], row.data(), y, w.cols);
    }
}

void attend_shared(const SharedKv& kv, int n_positions, const Queries& queries, float* out, int64_t out_stride,
                   ThreadPool& pool) {
    const int n_queries = queries.count;
    auto cache_matrix = [&](const float* base, int dim, int stride) {
        WeightMatrix m;
        m.type = GgmlType::F32;
        m.data = reinterpret_cast<const uint8_t*>(base);
        m.cols = dim;
        m.rows = n_positions;
        m.row_stride = static_cast<size_t>(stride) * sizeof(float);
        return m;
    };
    // scores (n_queries, n_positions) = Q · Kᵀ (+ Q_rope · K_ropeᵀ)
    std::vector<float> scores(static_cast<size_t>(n_queries) * n_positions);
    matmul(cache_matrix(kv.keys, kv.key_dim, kv.key_stride), queries.q, queries.stride, n_queries, scores.data(),
           n_positions, pool);
    if (kv.rope_keys) {
        std::vector<float> rope_scores(scores.size());
        matmul(cache_matrix(kv.rope_keys, kv.rope_key_dim, kv.rope_key_stride), queries.rope, queries.rope_stride,
               n_queries, rope_scores.data(), n_positions, pool);
        for (size_t k = 0; k < scores.size(); ++k) scores[k] += rope_scores[k];
    }
    for (int r = 0; r < n_queries; ++r) {
        float* row = &scores[static_cast<size_t>(r) * n_positions];
        for (int j = 0; j < n_positions; ++j) row[j] *= kv.scale;
        ops::softmax(row, n_positions);
    }
    // out (n_queries, value_dim) = P · V, split over value columns so each thread reads its
    // slice of every cached value for all queries while it is in cache.
    constexpr int64_t kColumns = 64;
    pool.parallel_for(kv.value_dim, [&](int64_t begin, int64_t end, int) {
        for (int r = 0; r < n_queries; ++r)
            ops::weighted_row_sum(&scores[static_cast<size_t>(r) * n_positions], kv.values + begin, n_positions,
                                  kv.value_stride, out + r * out_stride + begin, end - begin);
    }, kColumns);
}

}  // namespace moe
