#include "models/layer_kernels.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>

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

void matvec_batch(const std::vector<MatvecJob>& jobs, ThreadPool& pool, const PrepareInput& prepare) {
    std::vector<int64_t> first_row(jobs.size() + 1, 0), first_byte(jobs.size() + 1, 0);  // prefix sums
    for (size_t j = 0; j < jobs.size(); ++j) {
        first_row[j + 1] = first_row[j] + jobs[j].w.rows;
        first_byte[j + 1] = first_byte[j] + jobs[j].w.rows * static_cast<int64_t>(jobs[j].w.row_stride);
    }
    auto job_of = [&](int64_t row) {
        return static_cast<size_t>(std::upper_bound(first_row.begin(), first_row.end(), row) - first_row.begin() - 1);
    };
    // Rows of different types cost their bytes: chunks carry equal bytes, not equal rows.
    auto bytes_before = [&](int64_t row) {
        if (row >= first_row.back()) return first_byte.back();
        const size_t j = job_of(row);
        return first_byte[j] + (row - first_row[j]) * static_cast<int64_t>(jobs[j].w.row_stride);
    };
    // Each job's activation goes Idle -> Busy (one thread prepares and quantizes it) -> Ready.
    enum : uint8_t { kIdle, kBusy, kReady, kFailed };
    const std::unique_ptr<std::atomic<uint8_t>[]> state(new std::atomic<uint8_t>[jobs.size()]);
    for (size_t j = 0; j < jobs.size(); ++j) state[j].store(kIdle, std::memory_order_relaxed);
    std::vector<std::optional<RowDot>> dots(jobs.size());
    const bool exact = exact_activations();  // the caller's mode, for RowDots made on workers
    // True once job j's RowDot may be used; false if the thread preparing it threw (the pool
    // rethrows that error).
    auto ready = [&](auto& self, size_t j) -> bool {
        uint8_t seen = state[j].load(std::memory_order_acquire);
        if (seen == kIdle && state[j].compare_exchange_strong(seen, kBusy, std::memory_order_acq_rel)) {
            try {
                const ExactActivations same_mode(exact);
                const MatvecJob& job = jobs[j];
                if (j > 0 && jobs[j - 1].x == job.x) {  // already prepared; its quantized form may serve
                    if (!self(self, j - 1)) {  // its preparer's error is the one the pool reports
                        state[j].store(kFailed, std::memory_order_release);
                        return false;
                    }
                    if (dots[j - 1]->can_share(job.w.type, job.x)) dots[j].emplace(job.w.type, *dots[j - 1]);
                    else dots[j].emplace(job.w.type, job.x, job.w.cols);
                } else {
                    if (prepare) prepare(j);
                    dots[j].emplace(job.w.type, job.x, job.w.cols);
                }
            } catch (...) {
                state[j].store(kFailed, std::memory_order_release);
                throw;
            }
            state[j].store(kReady, std::memory_order_release);
            return true;
        }
        while (seen == kBusy) {
            ThreadPool::relax();
            seen = state[j].load(std::memory_order_acquire);
        }
        return seen == kReady;
    };
    // A small batch (DeepSeek-V2's per-head products, 0.6-0.7 MB) goes in one even share per thread:
    // its guided chunks were 10-90 KB streams, each one starting the hardware prefetcher over, and
    // attn_k_b's rows read at 13 GB/s a thread in seven chunks against 18 in one.
    constexpr int64_t kEvenSplitBelowBytes = 1 << 20;
    const int64_t rows = first_row.back(), threads = pool.size();
    // (A share rounded down to whole groups of 16 rows: the pool gives the tail to the last chunk.)
    const int64_t grain = first_byte.back() < kEvenSplitBelowBytes ? std::max<int64_t>(16, rows / threads / 16 * 16) : 16;
    pool.parallel_for_weighted(rows, bytes_before, [&](int64_t begin, int64_t end, int) {
        for (size_t j = job_of(begin); begin < end; ++j) {  // the chunk's part of each job in turn
            if (!ready(ready, j)) return;
            const MatvecJob& job = jobs[j];
            const int64_t stop = std::min(end, first_row[j + 1]), r = begin - first_row[j];
            dots[j]->rows(job.w, r, r + (stop - begin), job.y + r);
            begin = stop;
        }
    }, grain);
}

void project_all(const std::vector<Projection>& projections, const float* x, int n, ThreadPool& pool) {
    if (n == 1) {
        std::vector<MatvecJob> jobs;
        for (const auto& p : projections) jobs.push_back({p.w, x, p.y});
        matvec_batch(jobs, pool);
        return;
    }
    std::vector<MatmulJob> jobs;
    for (const auto& p : projections) jobs.push_back({p.w, x, p.w.cols, n, p.y, p.w.rows});
    matmul_batch(jobs, pool);
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

}  // namespace moe
