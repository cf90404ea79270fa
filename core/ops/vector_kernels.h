// Internal: the F32 vector kernels of ops.h built once per instruction set (the same source,
// vector_kernels_body.h, compiled with different -m flags), so that tests can run every
// variant this CPU supports against a plain version, and ops.cpp can pick the best.
#pragma once

#include <cstdint>
#include <vector>

namespace moe::ops::detail {

struct VectorKernels {
    const char* isa;
    float (*dot)(const float* a, const float* b, int64_t n);
    void (*axpy)(float a, const float* x, float* y, int64_t n);
    void (*weighted_row_sums)(const float* weights, int64_t weights_stride, int64_t n_sets, const float* rows,
                              int64_t n_rows, int64_t row_stride, float* out, int64_t out_stride, int64_t width);
    void (*scaled_row_sum)(const float* const* rows, const double* factors, int64_t n_rows, double denominator,
                           float* out, int64_t width);
    void (*shifted_exp)(const float* x, float shift, float* out, int64_t n);
};

const VectorKernels& baseline_vector_kernels();  // the build's baseline ISA (x86-64: SSE2)
const VectorKernels* avx2_vector_kernels();      // nullptr when not built for x86-64
const VectorKernels* avx512_vector_kernels();

// The variants this CPU can run, best first; the baseline is always last.
std::vector<const VectorKernels*> runnable_vector_kernels();

}  // namespace moe::ops::detail
