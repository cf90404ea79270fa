// MXFP4 with AVX2: one byte shuffle turns 32 packed codes into their int8 values (twice E2M1),
// which are widened to F32 and scaled by the block's power of two. Products of a small integer
// and a power of two are exact, so dequantization matches the scalar reference bit for bit.
#pragma GCC optimize("fp-contract=off")  // keep value·scale a separate, exact multiply

#include "quant/mxfp4.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include "quant/block_formats.h"

namespace moe::quant::detail {
namespace {

// The 32 int8 values of one block: values 0..15 (low nibbles) then 16..31 (high nibbles).
inline __m256i block_values(const BlockMXFP4& b) {
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs));
    const __m256i codes = _mm256_and_si256(
        _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed), _mm256_set1_epi8(0x0F));
    const __m256i table = _mm256_broadcastsi128_si256(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(kMxfp4Doubled)));
    return _mm256_shuffle_epi8(table, codes);
}

// Values 8·part .. 8·part + 7 of a block as floats (unscaled).
inline __m256 eight(__m256i values, int part) {
    const __m128i half = part < 2 ? _mm256_castsi256_si128(values) : _mm256_extracti128_si256(values, 1);
    const __m128i bytes = part % 2 == 0 ? half : _mm_srli_si128(half, 8);
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(bytes));
}

const BlockMXFP4& block_at(const void* row, int64_t i) {
    return static_cast<const BlockMXFP4*>(row)[i];  // the struct is byte-aligned
}

void dequantize(const void* src, float* dst, int64_t n) {
    for (int64_t i = 0; i < n / kQK; ++i) {
        const BlockMXFP4& b = block_at(src, i);
        const __m256i values = block_values(b);
        const __m256 scale = _mm256_set1_ps(mxfp4_half_scale(b.e));
        for (int part = 0; part < 4; ++part) {
            _mm256_storeu_ps(dst + i * kQK + 8 * part, _mm256_mul_ps(eight(values, part), scale));
        }
    }
}

// Σ over a block of value·x, times the block scale; two accumulators alternate between blocks.
float dot(const void* row, const float* x, int64_t n) {
    __m256 acc[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t i = 0; i < n / kQK; ++i) {
        const BlockMXFP4& b = block_at(row, i);
        _mm_prefetch(reinterpret_cast<const char*>(&b) + 2048, _MM_HINT_T1);
        const __m256i values = block_values(b);
        const float* xb = x + i * kQK;
        __m256 sum = _mm256_mul_ps(eight(values, 0), _mm256_loadu_ps(xb));
        for (int part = 1; part < 4; ++part) sum = _mm256_fmadd_ps(eight(values, part), _mm256_loadu_ps(xb + 8 * part), sum);
        acc[i & 1] = _mm256_fmadd_ps(_mm256_set1_ps(mxfp4_half_scale(b.e)), sum, acc[i & 1]);
    }
    const __m256 total = _mm256_add_ps(acc[0], acc[1]);
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(total), _mm256_extractf128_ps(total, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

}  // namespace

const TypeKernels* mxfp4_avx2_kernels() {
    static const TypeKernels kernels{dequantize, dot};
    return &kernels;
}

}  // namespace moe::quant::detail

#else

namespace moe::quant::detail {
const TypeKernels* mxfp4_avx2_kernels() { return nullptr; }
}  // namespace moe::quant::detail

#endif
