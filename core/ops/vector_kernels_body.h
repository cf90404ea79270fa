// The bodies of the vector kernels, included by one source file per instruction set. Plain loops
// that the compiler vectorises for that file's -m flags. Everything lives in the includer's
// anonymous namespace, and no standard header is included here: an inline function compiled
// with wider instructions must not be shared with baseline code by the linker.
#pragma once

#include <cstdint>

#include "ops/vector_kernels.h"

namespace {

float dot_kernel(const float* a, const float* b, int64_t n) {
    float acc[16] = {};  // independent accumulators: the loop vectorises without reassociation
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int k = 0; k < 16; ++k) acc[k] += a[i + k] * b[i + k];
    float sum = 0.0f;
    for (int k = 0; k < 16; ++k) sum += acc[k];
    for (; i < n; ++i) sum += a[i] * b[i];
    return sum;
}

void axpy_kernel(float a, const float* x, float* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

// kSets weighted sums of the same rows at once, columns [c0, c0 + w): each row slice is loaded
// once for all of them.
template <int kSets>
void weighted_row_sums_block(const float* weights, int64_t weights_stride, const float* rows, int64_t n_rows,
                             int64_t row_stride, float* out, int64_t out_stride, int64_t c0, int64_t w) {
    constexpr int64_t kBlock = 64;
    float acc[kSets][kBlock] = {};  // accumulators that stay in registers across all rows
    for (int64_t j = 0; j < n_rows; ++j) {
        const float* row = rows + j * row_stride + c0;
        for (int s = 0; s < kSets; ++s) {
            const float a = weights[s * weights_stride + j];
            for (int64_t k = 0; k < w; ++k) acc[s][k] += a * row[k];
        }
    }
    for (int s = 0; s < kSets; ++s)
        for (int64_t k = 0; k < w; ++k) out[s * out_stride + c0 + k] = acc[s][k];
}

void weighted_row_sums_kernel(const float* weights, int64_t weights_stride, int64_t n_sets, const float* rows,
                              int64_t n_rows, int64_t row_stride, float* out, int64_t out_stride, int64_t width) {
    constexpr int64_t kBlock = 64;
    constexpr int kSets = 4;
    for (int64_t c0 = 0; c0 < width; c0 += kBlock) {
        const int64_t w = width - c0 < kBlock ? width - c0 : kBlock;
        int64_t s = 0;
        for (; s + kSets <= n_sets; s += kSets)
            weighted_row_sums_block<kSets>(weights + s * weights_stride, weights_stride, rows, n_rows, row_stride,
                                           out + s * out_stride, out_stride, c0, w);
        for (; s < n_sets; ++s)
            weighted_row_sums_block<1>(weights + s * weights_stride, weights_stride, rows, n_rows, row_stride,
                                       out + s * out_stride, out_stride, c0, w);
    }
}

}  // namespace
