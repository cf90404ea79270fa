// 512-bit VNNI kernels for Q4_K rows stored in groups of 16 (row_groups.h): lane r of every
// vector is row r, so four codes of each of the 16 rows meet one broadcast group of four
// activation codes in one vpdpbusd, and each row's whole integer sum per super-block ends in its
// own lane: llama.cpp's float steps (q4_k_chains_step) then take one conversion and one
// multiply-add for 16 rows. In cache on Zen 5, 2048 columns, one core (bench_kernels
// int8_rows_in_cache/q4_K_grouped against q4_K): 89–95 against 55–63 G MAC/s; a prefill product
// of 64 tokens on two threads (matmul/q4_K_grouped): 700–900 against 370–420 GFLOP/s.
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

// The activation's sums Σq_j over the eight sub-blocks of super-block i (|Σq_j| ≤ 32·127) split
// as 128·high + low, both bytes, four to a word: [low_0..3, low_4..7, high_0..3, high_4..7], so the
// 6-bit mins meet them in vpdpbusd.
inline void split_sums(const QuantizedRow& x, int64_t i, int32_t* words) {
    const __m256i sums = _mm256_madd_epi16(load256(x.sums + i * (kQKK / kGroup)), _mm256_set1_epi16(1));
    const __m256i high = _mm256_srai_epi32(sums, 7);
    const __m256i low = _mm256_sub_epi32(sums, _mm256_slli_epi32(high, 7));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(words), _mm256_cvtepi32_epi8(low));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(words + 2), _mm256_cvtepi32_epi8(high));
}

// A group's 6-bit mins, m_0..m_3 (low) and m_4..m_7 (high) in the bytes of a row's lane.
struct GroupMins {
    __m512i low, high;
};
inline GroupMins group_mins(const BlockQ4_KGroup& g) {
    const __m512i part0 = _mm512_loadu_si512(g.scales[0]), part1 = _mm512_loadu_si512(g.scales[1]);
    const __m512i part2 = _mm512_loadu_si512(g.scales[2]);
    // m_4..m_7: two bits from each part's top (0xFE = a | b | c)
    return {_mm512_and_si512(part2, _mm512_set1_epi8(63)),
            _mm512_ternarylogic_epi32(_mm512_and_si512(_mm512_srli_epi16(part0, 6), _mm512_set1_epi8(0x03)),
                                      _mm512_and_si512(_mm512_srli_epi16(part1, 4), _mm512_set1_epi8(0x0C)),
                                      _mm512_and_si512(_mm512_srli_epi16(part2, 2), _mm512_set1_epi8(0x30)), 0xFE)};
}

// Σ m_j·Σq_j per row over the sub-blocks of one half of a super-block (mins: that half's bytes),
// from split_sums' low and high words of that half (bytes zeroed leave their sub-blocks out).
inline __m512i half_min_terms(__m512i mins, int32_t low_word, int32_t high_word) {
    const __m512i zero = _mm512_setzero_si512();
    return _mm512_add_epi32(_mm512_slli_epi32(_mm512_dpbusd_epi32(zero, mins, _mm512_set1_epi32(high_word)), 7),
                            _mm512_dpbusd_epi32(zero, mins, _mm512_set1_epi32(low_word)));
}

// Σ_j m_j·Σq_j per row, from split_sums' words.
inline __m512i min_terms(const BlockQ4_KGroup& g, const int32_t* words) {
    const GroupMins mins = group_mins(g);
    return _mm512_add_epi32(half_min_terms(mins.low, words[0], words[2]), half_min_terms(mins.high, words[1], words[3]));
}

// 16 rows (one group) × kTokens activations: out[t·ldy + r]. words[t] holds token t's
// split_sums, four per super-block. kPairChains: the chains step per pair of sub-blocks, as
// llama.cpp's repacked GEMM (tile_q4_k's kPairChains).
template <int kTokens, bool kPairChains = false>
void group_dot(const BlockQ4_KGroup* blocks, const QuantizedRow* x, const int32_t* const* words, int64_t n, float* out,
               int64_t ldy) {
    const __m512i low_nibbles = _mm512_set1_epi8(0x0F), six_bits = _mm512_set1_epi32(63);
    __m512 scaled[kTokens], mins[kTokens];  // q4_k_chains_step's two chains, a row per lane
    for (int t = 0; t < kTokens; ++t) scaled[t] = mins[t] = _mm512_setzero_ps();
    for (int64_t i = 0; i < n / kQKK; ++i) {
        const BlockQ4_KGroup& g = blocks[i];
        // a mat-vec streams its groups: a line ahead for each line read (a loop over the block's 36
        // lines up front was not unrolled, and took an eighth of the time in cache)
        const auto ahead = [](const void* line) {
            if constexpr (kTokens == 1) prefetch_group_line(line);
        };
        for (int part = 0; part < 4; ++part) ahead(reinterpret_cast<const uint8_t*>(&g) + 64 * part);
        __m512i totals[kTokens];  // Σ_j sc_j·(q4·q8)_j
        for (auto& total : totals) total = _mm512_setzero_si512();
        const __m512 d = _mm512_cvtph_ps(load256(g.d)), dmin = _mm512_cvtph_ps(load256(g.dmin));
        // q4_k_chains_step for 16 rows: integer sums and min terms into token t's two chains
        const auto step = [&](int t, __m512i sums, __m512i min_sums) {
            const __m512 dx = _mm512_set1_ps(x[t].d[i]);
            scaled[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sums), _mm512_mul_ps(d, dx), scaled[t]);
            mins[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(min_sums), _mm512_mul_ps(dmin, dx), mins[t]);
        };
        [[maybe_unused]] GroupMins pair_mins{};  // kPairChains: taken per pair of sub-blocks
        if constexpr (kPairChains) pair_mins = group_mins(g);
#pragma GCC unroll 4
        for (int c = 0; c < 4; ++c) {  // sub-blocks 2c (low nibbles) and 2c + 1 (high nibbles)
            // one token: two chains per sub-block, so that eight vpdpbusd do not wait on each other
            constexpr int kChains = kTokens == 1 ? 2 : 1;
            __m512i even[kTokens][kChains], odd[kTokens][kChains];
            for (int t = 0; t < kTokens; ++t)
                for (int h = 0; h < kChains; ++h) even[t][h] = odd[t][h] = _mm512_setzero_si512();
#pragma GCC unroll 8
            for (int k = 0; k < 8; ++k) {
                ahead(g.qs[c][k]);
                const __m512i codes = _mm512_loadu_si512(g.qs[c][k]);
                const __m512i low = _mm512_and_si512(codes, low_nibbles);
                const __m512i high = _mm512_and_si512(_mm512_srli_epi16(codes, 4), low_nibbles);
                for (int t = 0; t < kTokens; ++t) {
                    const int8_t* q = x[t].q + i * kQKK + 64 * c + 4 * k;
                    even[t][k % kChains] = _mm512_dpbusd_epi32(even[t][k % kChains], low, broadcast_codes(q));
                    odd[t][k % kChains] = _mm512_dpbusd_epi32(odd[t][k % kChains], high, broadcast_codes(q + 32));
                }
            }
            for (int t = 0; t < kTokens; ++t)
                for (int h = 1; h < kChains; ++h) {
                    even[t][0] = _mm512_add_epi32(even[t][0], even[t][h]);
                    odd[t][0] = _mm512_add_epi32(odd[t][0], odd[t][h]);
                }
            // sub-block 2c's scale is byte 2c mod 4 of part c / 2's lanes, 2c + 1's the next byte
            const __m512i part = _mm512_loadu_si512(g.scales[c / 2]);
            const int shift = 16 * (c % 2);
            const __m512i scale_even = _mm512_and_si512(_mm512_srli_epi32(part, shift), six_bits);
            const __m512i scale_odd = _mm512_and_si512(_mm512_srli_epi32(part, shift + 8), six_bits);
            for (int t = 0; t < kTokens; ++t) {
                const __m512i pair_total = _mm512_add_epi32(_mm512_mullo_epi32(even[t][0], scale_even),
                                                            _mm512_mullo_epi32(odd[t][0], scale_odd));
                if constexpr (kPairChains) {
                    // sub-blocks 2c and 2c + 1: bytes 2(c mod 2) and the next of their half's words
                    const int32_t keep = c % 2 ? static_cast<int32_t>(0xFFFF0000u) : 0x0000FFFF;
                    const int32_t* half_words = words[t] + 4 * i + c / 2;
                    step(t, pair_total, half_min_terms(c < 2 ? pair_mins.low : pair_mins.high, half_words[0] & keep,
                                                       half_words[2] & keep));
                } else {
                    totals[t] = _mm512_add_epi32(totals[t], pair_total);
                }
            }
        }
        if constexpr (!kPairChains)
            for (int t = 0; t < kTokens; ++t) step(t, totals[t], min_terms(g, words[t] + 4 * i));
    }
    for (int t = 0; t < kTokens; ++t) _mm512_storeu_ps(out + t * ldy, _mm512_sub_ps(scaled[t], mins[t]));
}

void groups_q4_k(const uint8_t* w, size_t stride, int64_t groups, const QuantizedRow& x, int64_t n, float* y) {
    thread_local ScratchBuffer words_buffer;
    int32_t* const words = words_buffer.items<int32_t>(static_cast<size_t>(4 * (n / kQKK)));
    for (int64_t i = 0; i < n / kQKK; ++i) split_sums(x, i, words + 4 * i);
    for (int64_t g = 0; g < groups; ++g)
        group_dot<1>(reinterpret_cast<const BlockQ4_KGroup*>(w + g * kGroupRows * stride), &x, &words, n,
                     y + g * kGroupRows, 0);
}

template <bool kPairChains>
void group_tile_q4_k(const uint8_t* w, size_t /*stride*/, const QuantizedRow* x, int64_t n, float* out, int64_t ldy) {
    thread_local ScratchBuffer words_buffer;
    int32_t* const all = words_buffer.items<int32_t>(static_cast<size_t>(kTileTokens * 4 * (n / kQKK)));
    const int32_t* words[kTileTokens];
    for (int t = 0; t < kTileTokens; ++t) {
        int32_t* mine = all + t * 4 * (n / kQKK);
        for (int64_t i = 0; i < n / kQKK; ++i) split_sums(x[t], i, mine + 4 * i);
        words[t] = mine;
    }
    group_dot<kTileTokens, kPairChains>(reinterpret_cast<const BlockQ4_KGroup*>(w), x, words, n, out, ldy);
}

// One group back to 16 plain rows (row_groups.h's ungroup_rows) in vectors: what the exact path
// and other layouts' kernels take, once per group per product. Plain code took as long as the
// exact dot itself (a Q4_K_M decode with --exact at 31 against 61 tok/s).
void ungroup_q4_k(const uint8_t* group, int64_t n, uint8_t* out) {
    const size_t stride = row_bytes(GgmlType::Q4_K, n);
    const __m512i six_bits = _mm512_set1_epi8(63), low_four = _mm512_set1_epi8(0x0F);
    const __m512i two_bits = _mm512_set1_epi8(0x03);
    for (int64_t i = 0; i < n / kQKK; ++i) {
        const auto& g = reinterpret_cast<const BlockQ4_KGroup*>(group)[i];
        uint8_t* const first = out + i * sizeof(BlockQ4_K);
        prefetch_group(g);  // the first read of these weights in an exact product: fetched ahead as the mat-vec does
        // k_scale_min's 12 bytes from the three parts, all 16 rows × 4 sub-block pairs at once
        const __m512i part0 = _mm512_loadu_si512(g.scales[0]), part1 = _mm512_loadu_si512(g.scales[1]);
        const __m512i part2 = _mm512_loadu_si512(g.scales[2]);
        const __m512i scale_high = _mm512_and_si512(part1, six_bits);
        const __m512i min_high = _mm512_ternarylogic_epi32(
            _mm512_and_si512(_mm512_srli_epi16(part0, 6), two_bits),
            _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(part1, 6), two_bits), 2),
            _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(part2, 6), two_bits), 4), 0xFE);
        const auto top_two = [&](__m512i v) {  // (v >> 4) << 6, bytewise: bits 4-5 to 6-7
            return _mm512_and_si512(_mm512_slli_epi16(v, 2), _mm512_set1_epi8(static_cast<char>(0xC0)));
        };
        alignas(64) uint32_t words[4][kGroupRows];  // per row: d | dmin, then the three scale words
        _mm512_store_si512(words[0], _mm512_or_si512(_mm512_cvtepu16_epi32(load256(g.d)),
                                                     _mm512_slli_epi32(_mm512_cvtepu16_epi32(load256(g.dmin)), 16)));
        _mm512_store_si512(words[1], _mm512_or_si512(_mm512_and_si512(part0, six_bits), top_two(scale_high)));
        _mm512_store_si512(words[2], _mm512_or_si512(_mm512_and_si512(part2, six_bits), top_two(min_high)));
        _mm512_store_si512(words[3], _mm512_or_si512(_mm512_and_si512(scale_high, low_four),
                                                     _mm512_slli_epi16(_mm512_and_si512(min_high, low_four), 4)));
        for (int r = 0; r < kGroupRows; ++r)
            for (int w = 0; w < 4; ++w) std::memcpy(first + r * stride + 4 * w, &words[w][r], 4);
        // codes: per pair of sub-blocks c, an 8 × 16 transpose of 4-byte groups
        for (int c = 0; c < 4; ++c) {
            __m512i v[8];
            for (int k = 0; k < 8; ++k) v[k] = _mm512_loadu_si512(g.qs[c][k]);
            __m512i pairs[8];  // per 128-bit lane L: groups (k, k + 1) of rows 4L, 4L + 1 (lo) or 4L + 2, 4L + 3 (hi)
            for (int k = 0; k < 8; k += 2) {
                pairs[k] = _mm512_unpacklo_epi32(v[k], v[k + 1]);
                pairs[k + 1] = _mm512_unpackhi_epi32(v[k], v[k + 1]);
            }
            // rows[o][h], lane L: row 4L + o's groups 4h..4h + 3
            __m512i rows[4][2];
            for (int h = 0; h < 2; ++h) {
                rows[0][h] = _mm512_unpacklo_epi64(pairs[4 * h], pairs[4 * h + 2]);
                rows[1][h] = _mm512_unpackhi_epi64(pairs[4 * h], pairs[4 * h + 2]);
                rows[2][h] = _mm512_unpacklo_epi64(pairs[4 * h + 1], pairs[4 * h + 3]);
                rows[3][h] = _mm512_unpackhi_epi64(pairs[4 * h + 1], pairs[4 * h + 3]);
            }
            const auto store_lane = [&](int lane, int o) {
                uint8_t* qs = first + (4 * lane + o) * stride + offsetof(BlockQ4_K, qs) + 32 * c;
                __m128i low, high;
                switch (lane) {
                    case 0: low = _mm512_extracti32x4_epi32(rows[o][0], 0); high = _mm512_extracti32x4_epi32(rows[o][1], 0); break;
                    case 1: low = _mm512_extracti32x4_epi32(rows[o][0], 1); high = _mm512_extracti32x4_epi32(rows[o][1], 1); break;
                    case 2: low = _mm512_extracti32x4_epi32(rows[o][0], 2); high = _mm512_extracti32x4_epi32(rows[o][1], 2); break;
                    default: low = _mm512_extracti32x4_epi32(rows[o][0], 3); high = _mm512_extracti32x4_epi32(rows[o][1], 3); break;
                }
                _mm_storeu_si128(reinterpret_cast<__m128i*>(qs), low);
                _mm_storeu_si128(reinterpret_cast<__m128i*>(qs + 16), high);
            };
            for (int lane = 0; lane < 4; ++lane)
                for (int o = 0; o < 4; ++o) store_lane(lane, o);
        }
    }
}

}  // namespace

void add_avx512_grouped_q4_k_kernels(KernelTable& table) {
    table.types[static_cast<uint32_t>(GgmlType::Q4_K)].dot_q8_groups = groups_q4_k;
    table.types[static_cast<uint32_t>(GgmlType::Q4_K)].dot_q8_group_tile = group_tile_q4_k<false>;
    table.types[static_cast<uint32_t>(GgmlType::Q4_K)].dot_q8_gemm_group_tile = group_tile_q4_k<true>;
    table.types[static_cast<uint32_t>(GgmlType::Q4_K)].ungroup = ungroup_q4_k;
}

}  // namespace moe::quant::detail

#endif
