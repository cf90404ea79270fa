#include "quant/matmul.h"

#include <algorithm>
#include <vector>

#include "parallel/thread_pool.h"
#include "quant/kernel_table.h"
#include "quant/quant.h"

namespace moe {
namespace {

// The kernels for w's type, after checking that its rows are whole blocks.
const quant::detail::TypeKernels& kernels_for(const WeightMatrix& w) {
    (void)row_bytes(w.type, w.cols);  // throws std::invalid_argument naming the type and width
    return quant::detail::kernels_for(quant::detail::active_kernels(), w.type);
}

// Rows per parallel_for grain: enough bytes that handing a chunk to a thread is worth it.
int64_t row_grain(const WeightMatrix& w) {
    constexpr size_t kMinChunkBytes = 16 * 1024;
    return std::max<int64_t>(1, static_cast<int64_t>(kMinChunkBytes / std::max<size_t>(1, w.row_stride)));
}

}  // namespace

void matvec(const WeightMatrix& w, const float* x, float* y, ThreadPool& pool) {
    // The chunk lambda captures one reference, so its std::function needs no heap allocation.
    const struct {
        const WeightMatrix& w;
        quant::detail::DotFn dot;
        const float* x;
        float* y;
    } job{w, kernels_for(w).dot, x, y};
    // Chunks are contiguous bands of rows: sequential streams through memory.
    pool.parallel_for(w.rows, [&job](int64_t begin, int64_t end, int) {
        for (int64_t r = begin; r < end; ++r) job.y[r] = job.dot(job.w.row(r), job.x, job.w.cols);
    }, row_grain(w));
}

void matmul(const WeightMatrix& w, const float* x, int64_t ldx, int64_t n, float* y, int64_t ldy,
            ThreadPool& pool) {
    if (n <= 0) return;
    if (n == 1) {
        matvec(w, x, y, pool);
        return;
    }
    // Expanded rows per tile: about 128 KiB of F32, which stays in L2 while every activation
    // passes over it, so each stored row is decoded once per call.
    constexpr int64_t kTileFloats = 32 * 1024;
    const struct {
        const WeightMatrix& w;
        quant::detail::DequantizeFn dequantize;
        quant::detail::GemmFn gemm;
        const float* x;
        int64_t ldx, n;
        float* y;
        int64_t ldy, tile_rows;
        bool plain_f32;  // rows can be used in place
    } job{w, kernels_for(w).dequantize, quant::detail::active_kernels().gemm_f32, x, ldx, n, y, ldy,
          std::clamp<int64_t>(kTileFloats / std::max<int64_t>(1, w.cols), 4, 256) / 4 * 4,
          w.type == GgmlType::F32 && w.row_stride == static_cast<size_t>(w.cols) * sizeof(float)};

    pool.parallel_for(w.rows, [&job](int64_t begin, int64_t end, int) {
        thread_local std::vector<float> scratch;  // (tile_rows, cols), reused across calls
        const WeightMatrix& w = job.w;
        for (int64_t r0 = begin; r0 < end; r0 += job.tile_rows) {
            const int64_t rows = std::min(job.tile_rows, end - r0);
            const float* tile = reinterpret_cast<const float*>(w.row(r0));
            if (!job.plain_f32) {
                scratch.resize(static_cast<size_t>(job.tile_rows * w.cols));
                for (int64_t r = 0; r < rows; ++r) job.dequantize(w.row(r0 + r), scratch.data() + r * w.cols, w.cols);
                tile = scratch.data();
            }
            job.gemm(tile, rows, w.cols, job.x, job.ldx, job.n, job.y + r0, job.ldy);
        }
    }, job.tile_rows);
}

}  // namespace moe
