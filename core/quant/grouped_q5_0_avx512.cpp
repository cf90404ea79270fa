// 512-bit VNNI kernels for Q5_0 rows stored in groups of 16 (row_groups.h, BlockQ5_0Group): lane r
// of every vector is row r. llama.cpp's Q5_0 dot (and the plain rows' kernel, int8_avx512.cpp)
// keeps eight int32 lanes per block, lane j the four codes 4j..4j+3 times their activation codes,
// and one 8-lane float chain, block after block. Here lane j of 16 rows is one vector: one load,
// two masks and two masked adds give lanes j and j + 4 of 16 rows, one vpdpbusd each against a
// broadcast group of four activation codes, and the float steps are that chain's, row by row, so
// grouped rows give the plain rows' floats bit for bit. The plain one-row kernel spends most of its
// time unpacking codes and fifth bits (in cache 27.5 G MAC/s, four rows 48.5): from DRAM it read
// at about 60 % of the probe where the other types' kernels read at about 85 %.
#pragma GCC diagnostic ignored "-Wuninitialized"  // GCC 12's avx512fintrin.h (GCC bug 105593)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <cstddef>
#include <cstring>

#include "quant/kernel_table.h"
#include "quant/row_groups.h"
#include "util/scratch.h"

#if defined(__x86_64__)
#include "quant/grouped_kernels.h"
#include "quant/simd_kernels.h"

namespace moe::quant::detail {
namespace {

// −16·Σ of each group of four activation codes (the codes are stored as code + 16): eight words
// per block, the starting sums of the eight lanes.
void offset_sums(const QuantizedRow& x, int64_t n, int32_t* out) {
    const __m256i ones = _mm256_set1_epi8(1);
    for (int64_t i = 0; i < n / kQK; ++i) {
        const __m256i sums = _mm256_dpbusd_epi32(_mm256_setzero_si256(), ones, load256(x.q + i * kQK));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 8 * i), _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(sums, 4)));
    }
}

// One group (16 rows) × kTokens activations: out[t·ldy + r]. offsets[t]: token t's offset_sums.
template <int kTokens>
void group_dot(const BlockQ5_0Group* blocks, const QuantizedRow* x, const int32_t* const* offsets, int64_t n,
               float* out, int64_t ldy) {
    const __m512i low_nibbles = _mm512_set1_epi8(0x0F), sixteen = _mm512_set1_epi8(16);
    __m512 chains[kTokens][8];  // llama.cpp's float lane j, a row per lane
    for (auto& token : chains)
        for (auto& c : token) c = _mm512_setzero_ps();
    for (int64_t i = 0; i < n / kQK; ++i) {
        const BlockQ5_0Group& g = blocks[i];
        if constexpr (kTokens == 1) prefetch_group(g);  // a mat-vec streams its groups
        __m512 d[kTokens];
        const __m512 dw = _mm512_cvtph_ps(load256(g.d));
        for (int t = 0; t < kTokens; ++t) d[t] = _mm512_mul_ps(dw, _mm512_set1_ps(x[t].d[i]));
#pragma GCC unroll 4
        for (int j = 0; j < 4; ++j) {
            const __m512i packed = _mm512_loadu_si512(g.qs[j]);
            __m512i codes[2] = {_mm512_and_si512(packed, low_nibbles), _mm512_and_si512(_mm512_srli_epi16(packed, 4), low_nibbles)};
            codes[0] = _mm512_mask_add_epi8(codes[0], _cvtu64_mask64(load_fifth_bits(g, j)), codes[0], sixteen);
            codes[1] = _mm512_mask_add_epi8(codes[1], _cvtu64_mask64(load_fifth_bits(g, j + 4)), codes[1], sixteen);
            for (int t = 0; t < kTokens; ++t) {
                const int8_t* q = x[t].q + i * kQK + 4 * j;
                const int32_t* start = offsets[t] + 8 * i + j;
                for (int h = 0; h < 2; ++h) {  // lanes j (values 4j..) and j + 4 (values 16 + 4j..)
                    const __m512i sums = _mm512_dpbusd_epi32(_mm512_set1_epi32(start[4 * h]), codes[h], broadcast_codes(q + 16 * h));
                    chains[t][j + 4 * h] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sums), d[t], chains[t][j + 4 * h]);
                }
            }
        }
    }
    for (int t = 0; t < kTokens; ++t) {  // reduce256's order: ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7))
        const __m512* c = chains[t];
        const __m512 even = _mm512_add_ps(_mm512_add_ps(c[0], c[4]), _mm512_add_ps(c[2], c[6]));
        const __m512 odd = _mm512_add_ps(_mm512_add_ps(c[1], c[5]), _mm512_add_ps(c[3], c[7]));
        _mm512_storeu_ps(out + t * ldy, _mm512_add_ps(even, odd));
    }
}

void groups_q5_0(const uint8_t* w, size_t stride, int64_t groups, const QuantizedRow& x, int64_t n, float* y) {
    thread_local ScratchBuffer offsets_buffer;
    int32_t* const offsets = offsets_buffer.items<int32_t>(static_cast<size_t>(n / kQK * 8));
    offset_sums(x, n, offsets);
    for (int64_t g = 0; g < groups; ++g)
        group_dot<1>(reinterpret_cast<const BlockQ5_0Group*>(w + g * kGroupRows * stride), &x, &offsets, n,
                     y + g * kGroupRows, 0);
}

// A prefill's tile: two tokens at a time share each code vector (sixteen float chains).
void group_tile_q5_0(const uint8_t* w, size_t /*stride*/, const QuantizedRow* x, int64_t n, float* out, int64_t ldy) {
    thread_local ScratchBuffer offsets_buffer;
    int32_t* const all = offsets_buffer.items<int32_t>(static_cast<size_t>(kTileTokens * (n / kQK) * 8));
    const int32_t* offsets[kTileTokens];
    for (int t = 0; t < kTileTokens; ++t) {
        int32_t* mine = all + t * (n / kQK) * 8;
        offset_sums(x[t], n, mine);
        offsets[t] = mine;
    }
    const auto* group = reinterpret_cast<const BlockQ5_0Group*>(w);
    for (int t = 0; t < kTileTokens; t += 2) group_dot<2>(group, x + t, offsets + t, n, out + t * ldy, ldy);
}

// One group back to 16 plain rows (row_groups.h's ungroup_rows) in vectors, for the exact path and
// other layouts' kernels: the codes as a 4 × 16 transpose of 4-byte groups, each row's qh gathered
// from the eight masks 8 rows at a time. Plain code read the rows back at a quarter of the exact
// dot's rate (matvec_exact/q5_0_grouped).
void ungroup_q5_0(const uint8_t* group, int64_t n, uint8_t* out) {
    const size_t stride = row_bytes(GgmlType::Q5_0, n);
    const __m512i nibble = _mm512_set1_epi64(0xF);
    const __m512i row_shifts[2] = {_mm512_setr_epi64(0, 4, 8, 12, 16, 20, 24, 28),
                                   _mm512_setr_epi64(32, 36, 40, 44, 48, 52, 56, 60)};
    for (int64_t i = 0; i < n / kQK; ++i) {
        const auto& g = reinterpret_cast<const BlockQ5_0Group*>(group)[i];
        uint8_t* const first = out + i * sizeof(BlockQ5_0);
        prefetch_group(g);
        // qh: row r's bits 4j..4j+3 are bits 4r..4r+3 of mask j
        __m512i qh[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()};  // rows 0-7, 8-15, one per 64-bit lane
        for (int j = 0; j < 8; ++j) {
            const __m512i mask = _mm512_set1_epi64(static_cast<long long>(load_fifth_bits(g, j)));
            for (int h = 0; h < 2; ++h)
                qh[h] = _mm512_or_si512(qh[h], _mm512_slli_epi64(_mm512_and_si512(_mm512_srlv_epi64(mask, row_shifts[h]), nibble), 4 * j));
        }
        alignas(32) uint32_t qh_words[16];
        _mm256_store_si256(reinterpret_cast<__m256i*>(qh_words), _mm512_cvtepi64_epi32(qh[0]));
        _mm256_store_si256(reinterpret_cast<__m256i*>(qh_words + 8), _mm512_cvtepi64_epi32(qh[1]));
        // codes: per 128-bit lane L, rows 4L..4L+3 from the four [row][4 bytes] vectors
        const __m512i v0 = _mm512_loadu_si512(g.qs[0]), v1 = _mm512_loadu_si512(g.qs[1]);
        const __m512i v2 = _mm512_loadu_si512(g.qs[2]), v3 = _mm512_loadu_si512(g.qs[3]);
        const __m512i a = _mm512_unpacklo_epi32(v0, v1), b = _mm512_unpackhi_epi32(v0, v1);
        const __m512i c = _mm512_unpacklo_epi32(v2, v3), d = _mm512_unpackhi_epi32(v2, v3);
        const __m512i rows[4] = {_mm512_unpacklo_epi64(a, c), _mm512_unpackhi_epi64(a, c), _mm512_unpacklo_epi64(b, d),
                                 _mm512_unpackhi_epi64(b, d)};
        alignas(64) uint8_t codes[4][64];  // codes[o] lane L: row 4L + o's 16 bytes
        for (int o = 0; o < 4; ++o) _mm512_store_si512(codes[o], rows[o]);
        for (int r = 0; r < kGroupRows; ++r) {
            auto& b_out = *reinterpret_cast<BlockQ5_0*>(first + r * stride);
            b_out.d = g.d[r];
            std::memcpy(b_out.qh, &qh_words[r], 4);
            std::memcpy(b_out.qs, codes[r % 4] + 16 * (r / 4), 16);
        }
    }
}

}  // namespace

void add_avx512_grouped_q5_0_kernels(KernelTable& table) {
    table.types[static_cast<uint32_t>(GgmlType::Q5_0)].dot_q8_groups = groups_q5_0;
    table.types[static_cast<uint32_t>(GgmlType::Q5_0)].dot_q8_group_tile = group_tile_q5_0;
    table.types[static_cast<uint32_t>(GgmlType::Q5_0)].ungroup = ungroup_q5_0;
}

}  // namespace moe::quant::detail

#endif
