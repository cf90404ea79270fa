// Compiled with the avx2 flags of core/CMakeLists.txt.
#include "ops/vector_kernels.h"

#if defined(__x86_64__)
#include "ops/vector_kernels_body.h"
#endif

namespace moe::ops::detail {

const VectorKernels* avx2_vector_kernels() {
#if defined(__x86_64__)
    static const VectorKernels table{"avx2", dot_kernel, axpy_kernel, weighted_row_sums_kernel, scaled_row_sum_kernel,
                                       shifted_exp_kernel};
    return &table;
#else
    return nullptr;
#endif
}

}  // namespace moe::ops::detail
