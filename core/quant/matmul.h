// Matrix-vector and matrix-matrix products with a GGUF weight matrix, split over a thread pool.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gguf/tensor_types.h"

namespace moe {

class ThreadPool;

// A 2-D weight [cols (ne0, input), rows (ne1, output)], one stored row per output.
// For a 3-D expert tensor, expert e is the WeightMatrix at data + e * rows * row_stride.
struct WeightMatrix {
    GgmlType type = GgmlType::F32;
    const uint8_t* data = nullptr;
    int64_t cols = 0;         // ne0: input width
    int64_t rows = 0;         // ne1: output width
    size_t row_stride = 0;    // bytes per stored row
    const uint8_t* row(int64_t r) const { return data + static_cast<size_t>(r) * row_stride; }
};

// y (rows) = W · x (cols). Rows are split across the pool's threads.
void matvec(const WeightMatrix& w, const float* x, float* y, ThreadPool& pool);

// Y (n × rows, row stride ldy) = X (n × cols, row stride ldx) · Wᵀ: the same product for n
// activation vectors at once; each stored row is expanded once and reused for all n.
void matmul(const WeightMatrix& w, const float* x, int64_t ldx, int64_t n, float* y, int64_t ldy,
            ThreadPool& pool);

}  // namespace moe
