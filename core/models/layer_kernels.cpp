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

void attend(const AttentionShape& shape, const float* q, const float* keys, const float* values,
            int n_positions, float* out, std::vector<float>& scores) {
    scores.resize(n_positions);
    for (int j = 0; j < n_positions; ++j)
        scores[j] = shape.scale * ops::dot(q, keys + static_cast<size_t>(j) * shape.key_stride, shape.key_dim);
    ops::softmax(scores.data(), n_positions);
    std::fill(out, out + shape.value_dim, 0.0f);
    for (int j = 0; j < n_positions; ++j)
        ops::axpy(scores[j], values + static_cast<size_t>(j) * shape.value_stride, out, shape.value_dim);
}

}  // namespace moe
