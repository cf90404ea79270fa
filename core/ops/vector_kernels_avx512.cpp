// Compiled with the avx512 flags of core/CMakeLists.txt.
#pragma GCC diagnostic ignored "-Wuninitialized"  // GCC 12's avx512fintrin.h (GCC bug 105593)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "ops/vector_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include "ops/vector_kernels_body.h"

namespace {

// shifted_exp_kernel's steps for eight values at once: the same operations in the same order,
// so the same floats (the tests compare every ISA with the plain loop).
__m256 shifted_exp8(__m256 v) {
    using namespace exp_constants;
    // min and max return their second operand when either is NaN, so NaN passes through
    const __m512d xd = _mm512_max_pd(_mm512_set1_pd(kUnderflow), _mm512_min_pd(_mm512_set1_pd(kOverflow), _mm512_cvtps_pd(v)));
    const __m512d inv_ln2 = _mm512_set1_pd(kScaledInvLn2), rounding = _mm512_set1_pd(kRoundingShift);
    const __m512d rounded = _mm512_fmadd_pd(inv_ln2, xd, rounding);
    const __m512i k = _mm512_castpd_si512(rounded);
    const __m512d r = _mm512_fmsub_pd(inv_ln2, xd, _mm512_sub_pd(rounded, rounding));
    const auto table = [](int first) { return _mm512_loadu_si512(kExp2Table.bits + first); };
    const __m512i low = _mm512_permutex2var_epi64(table(0), k, table(8));     // entries 0..15 by k's bits 0-3
    const __m512i high = _mm512_permutex2var_epi64(table(16), k, table(24));  // 16..31
    const __m512i bits = _mm512_mask_blend_epi64(_mm512_test_epi64_mask(k, _mm512_set1_epi64(16)), low, high);
    const __m512d scale = _mm512_castsi512_pd(_mm512_add_epi64(bits, _mm512_slli_epi64(k, 47)));
    const __m512d cubic = _mm512_fmadd_pd(_mm512_fmadd_pd(_mm512_set1_pd(kC0), r, _mm512_set1_pd(kC1)), _mm512_mul_pd(r, r),
                                          _mm512_fmadd_pd(_mm512_set1_pd(kC2), r, _mm512_set1_pd(1.0)));
    const __m256 e = _mm512_cvtpd_ps(_mm512_mul_pd(cubic, scale));
    const __m256 underflowed = _mm256_blendv_ps(e, _mm256_setzero_ps(), _mm256_cmp_ps(v, _mm256_set1_ps(kUnderflow), _CMP_LT_OQ));
    return _mm256_blendv_ps(underflowed, _mm256_set1_ps(__builtin_inff()), _mm256_cmp_ps(v, _mm256_set1_ps(kOverflow), _CMP_GT_OQ));
}

void shifted_exp_avx512(const float* x, float shift, float* out, int64_t n) {
    const __m256 s = _mm256_set1_ps(shift);
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) _mm256_storeu_ps(out + j, shifted_exp8(_mm256_sub_ps(_mm256_loadu_ps(x + j), s)));
    shifted_exp_kernel(x + j, shift, out + j, n - j);
}

}  // namespace
#endif

namespace moe::ops::detail {

const VectorKernels* avx512_vector_kernels() {
#if defined(__x86_64__)
    static const VectorKernels table{"avx512", dot_kernel, axpy_kernel, weighted_row_sums_kernel, scaled_row_sum_kernel,
                                       shifted_exp_avx512};
    return &table;
#else
    return nullptr;
#endif
}

}  // namespace moe::ops::detail
