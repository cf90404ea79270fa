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
// once for all of them. kFixedWidth > 0 makes w a constant, so the loops unroll and the
// accumulators stay in registers (with a run-time width GCC kept them in memory, mostly scalar).
template <int kSets, int64_t kFixedWidth>
void weighted_row_sums_block(const float* weights, int64_t weights_stride, const float* rows, int64_t n_rows,
                             int64_t row_stride, float* out, int64_t out_stride, int64_t c0, int64_t width) {
    constexpr int64_t kBlock = 64;
    const int64_t w = kFixedWidth > 0 ? kFixedWidth : width;
    float acc[kSets][kBlock] = {};
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

// All sets, kSets at a time, over columns [c0, c0 + w).
template <int64_t kFixedWidth>
void weighted_row_sums_columns(const float* weights, int64_t weights_stride, int64_t n_sets, const float* rows,
                               int64_t n_rows, int64_t row_stride, float* out, int64_t out_stride, int64_t c0,
                               int64_t w) {
    constexpr int kSets = 4;
    int64_t s = 0;
    for (; s + kSets <= n_sets; s += kSets)
        weighted_row_sums_block<kSets, kFixedWidth>(weights + s * weights_stride, weights_stride, rows, n_rows,
                                                    row_stride, out + s * out_stride, out_stride, c0, w);
    for (; s < n_sets; ++s)
        weighted_row_sums_block<1, kFixedWidth>(weights + s * weights_stride, weights_stride, rows, n_rows, row_stride,
                                                out + s * out_stride, out_stride, c0, w);
}

void weighted_row_sums_kernel(const float* weights, int64_t weights_stride, int64_t n_sets, const float* rows,
                              int64_t n_rows, int64_t row_stride, float* out, int64_t out_stride, int64_t width) {
    constexpr int64_t kBlock = 64;
    for (int64_t c0 = 0; c0 < width; c0 += kBlock) {
        if (width - c0 >= kBlock)
            weighted_row_sums_columns<kBlock>(weights, weights_stride, n_sets, rows, n_rows, row_stride, out, out_stride, c0, kBlock);
        else
            weighted_row_sums_columns<0>(weights, weights_stride, n_sets, rows, n_rows, row_stride, out, out_stride, c0, width - c0);
    }
}

// Products and sums rounded one by one, as plain scalar code does, so that every ISA gives the
// same floats: with -mfma GCC would fuse them (C++ defaults to -ffp-contract=fast).
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
void scaled_row_sum_kernel(const float* const* rows, const double* factors, int64_t n_rows, double denominator,
                           float* out, int64_t width) {
    constexpr int64_t kLanes = 8;
    int64_t c0 = 0;
    for (; c0 + kLanes <= width; c0 += kLanes) {
        double acc[kLanes] = {};
        for (int64_t k = 0; k < n_rows; ++k)
            for (int64_t l = 0; l < kLanes; ++l) acc[l] += factors[k] * static_cast<double>(rows[k][c0 + l]);
        for (int64_t l = 0; l < kLanes; ++l) out[c0 + l] = static_cast<float>(acc[l] / denominator);
    }
    for (; c0 < width; ++c0) {
        double acc = 0.0;
        for (int64_t k = 0; k < n_rows; ++k) acc += factors[k] * static_cast<double>(rows[k][c0]);
        out[c0] = static_cast<float>(acc / denominator);
    }
}
#pragma GCC pop_options

}  // namespace
