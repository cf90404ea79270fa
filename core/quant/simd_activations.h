// Activation quantizers (activations.h) in 256-bit AVX2, shared by the AVX2 and AVX-512 tables
// through simd_kernels.h. Each step mirrors the scalar reference in activations.cpp, so the codes, scales
// and sums are bit for bit the same, including blocks with inf or NaN (tests/quant): the scalar
// loop took a tenth of a quantized prefill's time.
#pragma once

#include <cmath>
#include <cstring>
#include <limits>

#include "quant/activations.h"
#include "quant/quant.h"

namespace moe::quant::detail {
namespace {

// |x| lane by lane.
inline __m256 magnitude(__m256 x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }

// The largest |x| of n values (n a multiple of 8), NaNs skipped as std::max(amax, |x|) skips
// them: max_ps returns its second operand when one is NaN. Also tells whether all are finite.
inline float largest_magnitude(const float* x, int n, bool& finite) {
    __m256 amax = _mm256_setzero_ps(), non_finite = _mm256_setzero_ps();
    for (int i = 0; i < n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        amax = _mm256_max_ps(magnitude(v), amax);
        const __m256 zero_if_finite = _mm256_sub_ps(v, v);  // NaN for inf and NaN
        non_finite = _mm256_or_ps(non_finite, _mm256_cmp_ps(zero_if_finite, zero_if_finite, _CMP_UNORD_Q));
    }
    finite = _mm256_movemask_ps(non_finite) == 0;
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

// activations.cpp's to_int8 for 8 lanes as int32: ±127 beyond ±127, NaN 0, otherwise rounded half
// to even (the default rounding mode of cvtps).
inline __m256i to_int8_lanes(__m256 v) {
    const __m256 ordered = _mm256_cmp_ps(v, v, _CMP_ORD_Q);
    const __m256 clamped = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(-127.0f)), _mm256_set1_ps(127.0f));
    return _mm256_and_si256(_mm256_cvtps_epi32(clamped), _mm256_castps_si256(ordered));
}

// 32 int32 lanes (four vectors, in order) to 32 int8 codes at q.
inline void store_codes(const __m256i lanes[4], int8_t* q) {
    const __m256i words = _mm256_packs_epi32(lanes[0], lanes[1]);  // lanes interleave per 128 bits
    const __m256i words_high = _mm256_packs_epi32(lanes[2], lanes[3]);
    const __m256i bytes = _mm256_packs_epi16(words, words_high);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(q), _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
}

// Σ of each 16 codes of `cols` codes.
inline void store_sums(const int8_t* q, int64_t cols, int16_t* sums) {
    const __m256i ones = _mm256_set1_epi8(1);
    for (int64_t i = 0; i < cols; i += 32) {
        // pairs summed into int16, then each 16-code group's eight pairs summed
        const __m256i pairs = _mm256_maddubs_epi16(ones, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + i)));
        const __m256i quads = _mm256_madd_epi16(pairs, _mm256_set1_epi16(1));  // int32: sums of 4
        // sums of codes 0-7, 8-15, 16-23, 24-31
        const __m128i eight = _mm_hadd_epi32(_mm256_castsi256_si128(quads), _mm256_extracti128_si256(quads, 1));
        sums[i / 16] = static_cast<int16_t>(_mm_extract_epi32(eight, 0) + _mm_extract_epi32(eight, 1));
        sums[i / 16 + 1] = static_cast<int16_t>(_mm_extract_epi32(eight, 2) + _mm_extract_epi32(eight, 3));
    }
}

// One block's codes into q; returns its scale (before a non-finite block's scale turns NaN).
inline float quantize_block_32_simd(const float* x, float amax, int8_t* q) {
    const __m256 id = _mm256_set1_ps(amax != 0.0f ? 127.0f / amax : 0.0f);
    __m256i lanes[4];
    for (int k = 0; k < 4; ++k) lanes[k] = to_int8_lanes(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), id));
    store_codes(lanes, q);
    return fp16_to_fp32(fp32_to_fp16(amax / 127.0f));
}

inline float quantize_block_256_simd(const float* x, float amax, int8_t* q) {
    if (amax == 0.0f) {
        std::memset(q, 0, 256);
        return 0.0f;
    }
    int first = 0;  // the first value of largest magnitude gives the sign
    while (!(std::fabs(x[first]) == amax)) ++first;
    const __m256 iscale = _mm256_set1_ps(-127.0f / x[first]);
    for (int c = 0; c < 256; c += 32) {
        __m256i lanes[4];
        for (int k = 0; k < 4; ++k)  // min(127, ·) first: NaN becomes 127 there, as std::min gives
            lanes[k] = to_int8_lanes(_mm256_min_ps(_mm256_mul_ps(iscale, _mm256_loadu_ps(x + c + 8 * k)), _mm256_set1_ps(127.0f)));
        store_codes(lanes, q + c);
    }
    return 1.0f / (-127.0f / x[first]);
}

template <int kBlock, float (*kQuantizeBlock)(const float*, float, int8_t*)>
void quantize_rows_simd(const float* x, int64_t n_rows, int64_t cols, int64_t ldx, int8_t* q, float* d, int16_t* sums) {
    const int64_t blocks = cols / kBlock;
    for (int64_t r = 0; r < n_rows; ++r) {
        for (int64_t b = 0; b < blocks; ++b) {
            const float* xb = x + r * ldx + kBlock * b;
            bool finite = true;
            const float amax = largest_magnitude(xb, kBlock, finite);
            const float scale = kQuantizeBlock(xb, amax, q + r * cols + kBlock * b);
            d[r * blocks + b] = finite ? scale : std::numeric_limits<float>::quiet_NaN();
        }
        store_sums(q + r * cols, cols, sums + r * cols / 16);
    }
}

}  // namespace
}  // namespace moe::quant::detail
