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

// e^(x[j] − shift): the exponentials of a softmax, bit for bit what glibc's expf returns on a CPU
// with FMA (its algorithm, checked against it for every float from −0 to the underflow bound; a
// call per value took a fifth of a decode's attention). x·32/ln 2 = k + r with |r| ≤ 1/2, then
// e^x = 2^(k/32) · 2^(r/32), the first from a 32-entry table of 2^(i/32) whose exponent field
// takes k / 32, the second a cubic in r; all in double, rounded to float once.
struct Exp2Table {
    uint64_t bits[32];  // 2^(i/32) as double bits, less i << 47 (the part of k that k << 47 adds back)
};
constexpr Exp2Table make_exp2_table() {
    Exp2Table table{};
    for (int i = 0; i < 32; ++i)
        table.bits[i] = __builtin_bit_cast(uint64_t, __builtin_exp2(i / 32.0)) - (static_cast<uint64_t>(i) << 47);
    return table;
}
constexpr Exp2Table kExp2Table = make_exp2_table();

namespace exp_constants {
constexpr double kScaledInvLn2 = 0x1.71547652b82fep+0 * 32;
constexpr double kRoundingShift = 0x1.8p+52;  // adding it rounds to an integer, kept in the low bits
constexpr double kC0 = 0x1.c6af84b912394p-5 / (32.0 * 32.0 * 32.0), kC1 = 0x1.ebfce50fac4f3p-3 / (32.0 * 32.0),
                 kC2 = 0x1.62e42ff0c52d6p-1 / 32.0;
constexpr float kOverflow = 0x1.62e42ep6f, kUnderflow = -0x1.9fe368p6f;  // e^x past float's range
}  // namespace exp_constants

// The plain loop, which GCC leaves scalar; vector_kernels_avx512.cpp has the same steps in
// 8-double vectors.
void shifted_exp_kernel(const float* x, float shift, float* out, int64_t n) {
    using namespace exp_constants;
    for (int64_t j = 0; j < n; ++j) {
        const float v = x[j] - shift;
        // within range, so the table index and exponent arithmetic stay valid; NaN passes through
        const double xd = v < kUnderflow ? kUnderflow : v > kOverflow ? kOverflow : v;
        double kd = __builtin_fma(kScaledInvLn2, xd, kRoundingShift);
        const uint64_t k = __builtin_bit_cast(uint64_t, kd);
        kd -= kRoundingShift;
        const double r = __builtin_fma(kScaledInvLn2, xd, -kd);
        const double scale = __builtin_bit_cast(double, kExp2Table.bits[k % 32] + (k << 47));
        const double cubic = __builtin_fma(__builtin_fma(kC0, r, kC1), r * r, __builtin_fma(kC2, r, 1.0));
        const float e = static_cast<float>(cubic * scale);
        out[j] = v < kUnderflow ? 0.0f : v > kOverflow ? __builtin_inff() : e;
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
