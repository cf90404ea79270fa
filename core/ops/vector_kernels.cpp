#include "ops/vector_kernels.h"

#include "ops/vector_kernels_body.h"

namespace moe::ops::detail {

const VectorKernels& baseline_vector_kernels() {
    static const VectorKernels table{"baseline", dot_kernel, axpy_kernel, weighted_row_sums_kernel, scaled_row_sum_kernel,
                                       shifted_exp_kernel};
    return table;
}

std::vector<const VectorKernels*> runnable_vector_kernels() {
    std::vector<const VectorKernels*> tables;
#if defined(__x86_64__)
    if (avx512_vector_kernels() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
        tables.push_back(avx512_vector_kernels());
    if (avx2_vector_kernels() && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        tables.push_back(avx2_vector_kernels());
#endif
    tables.push_back(&baseline_vector_kernels());
    return tables;
}

}  // namespace moe::ops::detail
