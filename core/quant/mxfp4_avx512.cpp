// MXFP4 with AVX-512: per block, a 16-float table of the code values times the block scale, and
// vpermps looks each packed code up directly (it reads only the low 4 bits of every 32-bit lane,
// so the low nibble needs no mask). The table entries are the exactly dequantized weights.
#pragma GCC optimize("fp-contract=off")  // keep value·scale a separate, exact multiply
// GCC 12's avx512fintrin.h self-initialises its "undefined" vectors (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "quant/mxfp4.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include "quant/block_formats.h"

namespace moe::quant::detail {
namespace {

// The 16 possible weights of a block, in code order.
inline __m512 weight_table(const BlockMXFP4& b) {
    const __m512 codes = _mm512_cvtepi32_ps(
        _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(kMxfp4Doubled))));
    return _mm512_mul_ps(codes, _mm512_set1_ps(mxfp4_half_scale(b.e)));
}

// Bytes qs[0..15] in 32-bit lanes: the low nibble is the lookup index as is, the high one after >> 4.
inline __m512i code_lanes(const BlockMXFP4& b) {
    return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs)));
}

const BlockMXFP4& block_at(const void* row, int64_t i) { return static_cast<const BlockMXFP4*>(row)[i]; }

void dequantize(const void* src, float* dst, int64_t n) {
    for (int64_t i = 0; i < n / kQK; ++i) {
        const BlockMXFP4& b = block_at(src, i);
        const __m512 table = weight_table(b);
        const __m512i lanes = code_lanes(b);
        _mm512_storeu_ps(dst + i * kQK, _mm512_permutexvar_ps(lanes, table));
        _mm512_storeu_ps(dst + i * kQK + 16, _mm512_permutexvar_ps(_mm512_srli_epi32(lanes, 4), table));
    }
}

float dot(const void* row, const float* x, int64_t n) {
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    for (int64_t i = 0; i < n / kQK; ++i) {
        const BlockMXFP4& b = block_at(row, i);
        _mm_prefetch(reinterpret_cast<const char*>(&b) + 2048, _MM_HINT_T1);
        const __m512 table = weight_table(b);
        const __m512i lanes = code_lanes(b);
        const float* xb = x + i * kQK;
        const int a = 2 * (i & 1);  // consecutive blocks use different accumulators
        acc[a] = _mm512_fmadd_ps(_mm512_permutexvar_ps(lanes, table), _mm512_loadu_ps(xb), acc[a]);
        acc[a + 1] = _mm512_fmadd_ps(_mm512_permutexvar_ps(_mm512_srli_epi32(lanes, 4), table),
                                     _mm512_loadu_ps(xb + 16), acc[a + 1]);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])));
}

}  // namespace

const TypeKernels* mxfp4_avx512_kernels() {
    static const TypeKernels kernels{dequantize, dot};
    return &kernels;
}

}  // namespace moe::quant::detail

#else

namespace moe::quant::detail {
const TypeKernels* mxfp4_avx512_kernels() { return nullptr; }
}  // namespace moe::quant::detail

#endif
