// 512-bit VNNI tiles of the prefill GEMM (kernel_table.h: 4 stored rows × 4 quantized activation
// vectors per call). Each weight block is loaded and prepared once for four tokens, and each
// activation block once for four rows; the integer sums are exact, floats enter per block.
#pragma GCC diagnostic ignored "-Wuninitialized"  // GCC 12's avx512fintrin.h (GCC bug 105593)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "quant/kernel_table.h"

#if defined(__x86_64__)
#include "quant/simd_kernels.h"

namespace moe::quant::detail {
namespace {

// [a ×8, b ×8]: one scale per 32-value block of a two-block vector.
inline __m512 two_scales(float a, float b) {
    return _mm512_insertf32x8(_mm512_set1_ps(a), _mm256_set1_ps(b), 1);
}

// 64 codes of two consecutive 32-byte runs (first, second), or of `first` alone (upper half zero).
inline __m512i two_runs(const void* first, const void* second, bool both) {
    const __m512i low = _mm512_zextsi256_si512(load256(first));
    return both ? _mm512_inserti64x4(low, load256(second), 1) : low;
}

// Q8_0 weights × Q8_0-style activations, two blocks per vector. vpdpbusd multiplies unsigned by
// signed bytes, so the activation codes go in offset by 128 (q ^ 0x80 = q + 128) and each row's
// sum starts at −128·Σw, computed once per row and block pair for all four tokens:
// Σ (q + 128)·w − 128·Σ w = Σ q·w, exactly (every term fits int32 many times over).
void tile_q8_0(const uint8_t* w, size_t stride, const QuantizedRow* x, int64_t n, float* out) {
    const __m512i offset = _mm512_set1_epi8(static_cast<char>(0x80));
    __m512 acc[kTileRows][kTileTokens];
    for (auto& row : acc)
        for (auto& a : row) a = _mm512_setzero_ps();
    const int64_t blocks = n / kQK;
    for (int64_t i = 0; i < blocks; i += 2) {
        const bool both = i + 1 < blocks;
        __m512i codes[kTileRows], start[kTileRows];
        __m512 dw[kTileRows];
        for (int r = 0; r < kTileRows; ++r) {
            const auto* b = reinterpret_cast<const BlockQ8_0*>(w + r * stride) + i;
            codes[r] = two_runs(b[0].qs, b[1].qs, both);
            start[r] = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), offset, codes[r]));
            dw[r] = two_scales(half(b[0].d), both ? half(b[1].d) : 0.0f);
        }
        for (int t = 0; t < kTileTokens; ++t) {
            const int8_t* q = x[t].q + i * kQK;
            const __m512i shifted = _mm512_xor_si512(two_runs(q, q + kQK, both), offset);
            const __m512 dx = two_scales(x[t].d[i], x[t].d[both ? i + 1 : i]);
            for (int r = 0; r < kTileRows; ++r) {
                const __m512i sums = _mm512_dpbusd_epi32(start[r], shifted, codes[r]);
                acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sums), _mm512_mul_ps(dw[r], dx), acc[r][t]);
            }
        }
    }
    for (int t = 0; t < kTileTokens; ++t)
        for (int r = 0; r < kTileRows; ++r) out[t * kTileRows + r] = _mm512_reduce_add_ps(acc[r][t]);
}

}  // namespace

void add_avx512_tiles(KernelTable& table) { table.types[static_cast<uint32_t>(GgmlType::Q8_0)].dot_q8_tile = tile_q8_0; }

}  // namespace moe::quant::detail

#endif
