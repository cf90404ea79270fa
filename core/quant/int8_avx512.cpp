// 512-bit VNNI integer kernels: the tiles of the prefill GEMM (kernel_table.h: 4 stored rows × 4 or
// 8 quantized activation vectors per call), where each weight block is loaded and prepared once for
// all tokens and each activation block once for four rows; and one-row dots for a decode's
// mat-vecs, which put 64 values in a vector where the shared 256-bit kernels put 32. The integer
// sums are exact, and floats enter per block exactly as in the 256-bit kernels (tests check both).
#pragma GCC diagnostic ignored "-Wuninitialized"  // GCC 12's avx512fintrin.h (GCC bug 105593)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "quant/kernel_table.h"
#include "util/scratch.h"

#if defined(__x86_64__)
#include "quant/simd_kernels.h"
#include "quant/simd_int8_kernels.h"

namespace moe::quant::detail {
namespace {

// [a ×8, b ×8]: one scale per half of a two-token vector.
inline __m512 two_scales(float a, float b) {
    return _mm512_insertf32x8(_mm512_set1_ps(a), _mm256_set1_ps(b), 1);
}

// Q4_0/Q5_0/Q8_0 weights × Q8_0-style activations. A 512-bit vector holds one block of two tokens
// (one per half) against the same weight block broadcast to both halves, so its eight int32 lanes
// per half are the four-token kernel's lanes and one float multiply-add serves two tokens.
// vpdpbusd multiplies unsigned by signed bytes, so the weight codes go in offset (u = code + k)
// and each token's sums start at −k·Σq, computed once per block for all four rows:
// Σ u·q − k·Σ q = Σ code·q, exactly (every term fits int32 many times over). The float steps are
// the four-token kernel's (one 8-lane chain per row and token, block after block), so a tile is
// bit for bit that kernel and a prefill rounds as before tiles: summing two blocks per float step
// instead moved one deepseek2 conformance run past its tolerance (Q5_0) and cost deepseek2-q8_0 a
// routing set.
// kTokens is kTileTokens or kWideTileTokens: eight tokens decode each weight block once for twice
// the work, in 16 accumulators, 4 codes, 4 scales and 3 activation vectors of the 32 registers.
template <class Format, int kTokens>
void tile_legacy(const uint8_t* w, size_t stride, const QuantizedRow* x, int64_t n, float* out, int64_t ldy) {
    using Block = typename Format::Block;
    constexpr int kPairs = kTokens / 2;
    const __m512i offset = _mm512_set1_epi8(static_cast<char>(Format::kOffset));
    __m512 acc[kTileRows][kPairs];
    for (auto& row : acc)
        for (auto& a : row) a = _mm512_setzero_ps();
    for (int64_t i = 0; i < n / kQK; ++i) {
        __m512i codes[kTileRows];
        __m512 dw[kTileRows];
        for (int r = 0; r < kTileRows; ++r) {
            const Block& b = reinterpret_cast<const Block*>(w + r * stride)[i];
            codes[r] = _mm512_broadcast_i64x4(Format::unsigned_codes(b));
            dw[r] = _mm512_set1_ps(half(b.d));
        }
        for (int p = 0; p < kPairs; ++p) {
            const QuantizedRow& first = x[2 * p];
            const QuantizedRow& second = x[2 * p + 1];
            const __m512i q = _mm512_inserti64x4(_mm512_castsi256_si512(load256(first.q + i * kQK)), load256(second.q + i * kQK), 1);
            const __m512i start = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), offset, q));
            const __m512 dx = two_scales(first.d[i], second.d[i]);
            for (int r = 0; r < kTileRows; ++r) {
                const __m512i sums = _mm512_dpbusd_epi32(start, codes[r], q);
                // dw·dx of each token, as the scalar product
                acc[r][p] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sums), _mm512_mul_ps(dw[r], dx), acc[r][p]);
            }
        }
    }
    for (int p = 0; p < kPairs; ++p) {
        for (int r = 0; r < kTileRows; ++r) {
            out[2 * p * ldy + r] = reduce256(_mm512_castps512_ps256(acc[r][p]));
            out[(2 * p + 1) * ldy + r] = reduce256(_mm512_extractf32x8_ps(acc[r][p], 1));
        }
    }
}

// The unsigned codes (code + kOffset) of two consecutive Q4_0 or Q5_0 blocks, one per 256-bit half:
// each block's 16 bytes broadcast to a half and shifted by 4 in its upper 128 bits give values
// 0..15 and 16..31 in order, so the two blocks' 32 fifth bits (Q5_0) are a byte mask as they stand.
inline __m512i nibble_pair(const uint8_t* first, const uint8_t* second) {
    const __m512i packed = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_broadcastsi128_si256(load128(first))),
                                              _mm256_broadcastsi128_si256(load128(second)), 1);
    return _mm512_and_si512(_mm512_srlv_epi64(packed, _mm512_setr_epi64(0, 0, 4, 4, 0, 0, 4, 4)), _mm512_set1_epi8(0x0F));
}
inline __m512i unsigned_code_pair(const BlockQ4_0& first, const BlockQ4_0& second) {
    return nibble_pair(first.qs, second.qs);
}
inline __m512i unsigned_code_pair(const BlockQ5_0& first, const BlockQ5_0& second) {
    const __mmask64 fifth_bits = _cvtu64_mask64(uint64_t{load_qh32(first.qh)} | uint64_t{load_qh32(second.qh)} << 32);
    const __m512i nibbles = nibble_pair(first.qs, second.qs);
    return _mm512_mask_add_epi8(nibbles, fifth_bits, nibbles, _mm512_set1_epi8(16));
}

// Q4_0/Q5_0 weights × a Q8_0-style activation, one token and one row (a decode's mat-vec): the
// integer sums of two blocks per 512-bit vector, which halves the unpacking and vpdpbusd work of
// the 256-bit kernel (simd_int8_kernels.h's dot_q8_offset_codes). The float steps stay that
// kernel's one 8-lane chain, block after block, so the result is bit for bit its own (and the
// tile's, and llama.cpp's vec_dot order). That chain, one multiply-add latency per block, bounds
// a single row: in cache 27.5 G MAC/s for Q5_0 on Zen 5.
template <class Codes>
float dot_legacy_row(const void* row, const QuantizedRow& x, int64_t n) {
    using Block = typename Codes::Block;
    const auto* blocks = static_cast<const Block*>(row);
    const int64_t n_blocks = n / kQK;
    const __m512i zero = _mm512_setzero_si512();
    const __m512i offset = _mm512_set1_epi8(static_cast<char>(Codes::kOffset));
    __m256 acc = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 2 <= n_blocks; i += 2) {
        prefetch_ahead<2 * sizeof(Block)>(blocks + i);
        const __m512i q = _mm512_loadu_si512(x.q + i * kQK);
        const __m512i start = _mm512_sub_epi32(zero, _mm512_dpbusd_epi32(zero, offset, q));  // −k·Σq per lane
        const __m512 sums = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(start, unsigned_code_pair(blocks[i], blocks[i + 1]), q));
        // both blocks' d·dx, each the scalar product
        const uint32_t d_pair = blocks[i].d | uint32_t{blocks[i + 1].d} << 16;
        const __m128 dx_pair = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(x.d + i)));
        const __m128 scales = _mm_mul_ps(_mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(d_pair))), dx_pair);
        acc = _mm256_fmadd_ps(_mm512_castps512_ps256(sums), _mm256_broadcastss_ps(scales), acc);
        acc = _mm256_fmadd_ps(_mm512_extractf32x8_ps(sums, 1), _mm256_broadcastss_ps(_mm_movehdup_ps(scales)), acc);
    }
    if (i < n_blocks) {  // an odd count's last block, as the 256-bit kernel takes it
        const __m256i q = load256(x.q + i * kQK);
        const __m256i start = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm512_castsi512_si256(offset), q));
        const __m256 sums = _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(start, Codes::unsigned_codes(blocks[i]), q));
        acc = _mm256_fmadd_ps(sums, _mm256_set1_ps(half(blocks[i].d) * x.d[i]), acc);
    }
    return reduce256(acc);
}

// The same, 2·kPairs rows at once, with a pair's block i in one 512-bit vector (a row per half)
// against activation block i broadcast to both halves: one conversion, one [d·dx ×8 | d·dx ×8]
// scale and one multiply-add serve two rows' chains, and the rows' chains interleave. Each half is
// its row's 8-lane chain, block after block, so every row rounds as dot_legacy_row.
// Each row prefetches the same row of a later group, at least kPrefetchDistance ahead: with long
// rows, 8 KiB past row r is row r + 1 itself, and a lookahead landing just in front of the stream
// that reads it cost the first multi-row kernels their DRAM rate.
template <class Codes, int kPairs>
void dot_legacy_row_pairs(const uint8_t* w, size_t stride, const QuantizedRow& x, int64_t n, float* y) {
    using Block = typename Codes::Block;
    constexpr int kRows = 2 * kPairs;
    static_assert(kRows <= 4, "the rows' F16 scales share one 64-bit word");
    const int64_t n_blocks = n / kQK;
    const __m512i zero = _mm512_setzero_si512();
    const __m512i offset = _mm512_set1_epi8(static_cast<char>(Codes::kOffset));
    const size_t group = kRows * stride;
    const size_t lead = (kPrefetchDistance + group - 1) / group * group - kPrefetchDistance;
    const Block* blocks[kRows];
    for (int r = 0; r < kRows; ++r) blocks[r] = reinterpret_cast<const Block*>(w + r * stride);
    __m512i pair_lanes[kPairs];  // [2p ×8, 2p + 1 ×8]: pair p's two scales
    __m512 acc[kPairs];
    for (int p = 0; p < kPairs; ++p) {
        pair_lanes[p] = _mm512_setr_epi32(2 * p, 2 * p, 2 * p, 2 * p, 2 * p, 2 * p, 2 * p, 2 * p, 2 * p + 1, 2 * p + 1,
                                          2 * p + 1, 2 * p + 1, 2 * p + 1, 2 * p + 1, 2 * p + 1, 2 * p + 1);
        acc[p] = _mm512_setzero_ps();
    }
    for (int64_t i = 0; i < n_blocks; ++i) {
        if (i % 2 == 0)
            for (int r = 0; r < kRows; ++r)
                prefetch_ahead<2 * sizeof(Block)>(reinterpret_cast<const uint8_t*>(blocks[r] + i) + lead);
        const __m512i q = _mm512_broadcast_i64x4(load256(x.q + i * kQK));
        const __m512i start = _mm512_sub_epi32(zero, _mm512_dpbusd_epi32(zero, offset, q));
        // every row's d·dx in one conversion and one product: lane r is row r's
        uint64_t d_rows = 0;
        for (int r = 0; r < kRows; ++r) d_rows |= uint64_t{blocks[r][i].d} << (16 * r);
        const __m512 scales = _mm512_castps256_ps512(_mm256_mul_ps(
            _mm256_cvtph_ps(_mm_cvtsi64_si128(static_cast<long long>(d_rows))), _mm256_set1_ps(x.d[i])));
        for (int p = 0; p < kPairs; ++p) {
            const __m512i codes = unsigned_code_pair(blocks[2 * p][i], blocks[2 * p + 1][i]);
            const __m512 sums = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(start, codes, q));
            acc[p] = _mm512_fmadd_ps(sums, _mm512_permutexvar_ps(pair_lanes[p], scales), acc[p]);
        }
    }
    for (int p = 0; p < kPairs; ++p) {
        y[2 * p] = reduce256(_mm512_castps512_ps256(acc[p]));
        y[2 * p + 1] = reduce256(_mm512_extractf32x8_ps(acc[p], 1));
    }
}

// Four rows at a time: in cache (bench_kernels int8_rows_in_cache/q5_0) 48.5-49.0 against
// 42.0-42.4 G MAC/s for the earlier kernel that took two rows with a 256-bit chain each, and
// 27.5 for one row. With two rows in a decode of the Q4_K_M cut of V2-Lite, the Q5_0 dense down
// projection went from 425-436 to 320-341 µs and the four attn_k_b products from 139-156 to
// 113-119 µs per token.
template <class Codes>
void rows_legacy(const uint8_t* w, size_t stride, int64_t rows, const QuantizedRow& x, int64_t n, float* y) {
    int64_t r = 0;
    for (; r + 4 <= rows; r += 4) dot_legacy_row_pairs<Codes, 2>(w + r * stride, stride, x, n, y + r);
    if (r + 2 <= rows) {
        dot_legacy_row_pairs<Codes, 1>(w + r * stride, stride, x, n, y + r);
        r += 2;
    }
    if (r < rows) y[r] = dot_legacy_row<Codes>(w + r * stride, x, n);
}

// Q4_K weights × Q8_K-style activations, 64 values per vector: the 32 bytes qs[32c..32c+31] hold
// values 64c..64c+31 in their low nibbles and 64c+32..64c+63 in their high ones, so one load
// broadcast to both halves, shifted in the upper half and masked, lines up with 64 consecutive
// activation codes. vpmaddubsw multiplies the unsigned nibbles by the signed codes (pairs summed in
// int16, at most 2·15·127), vpdpwssd applies each half's 6-bit sub-block scale and sums in int32;
// the mins go through the activation's per-16 sums. Folding the two halves gives the very integer
// lanes of the 256-bit four-token kernel (simd_int8_kernels.h), and the float steps are its own, so
// a tile is bit for bit that kernel's result: a prefill rounds as it did before tiles. That
// kernel's two 8-lane float sums (scales, mins) share one 512-bit vector here, [scales | mins],
// with one conversion and one multiply-add per super-block, row and token for both: lane for lane
// the same operations, half the instructions and registers (the mins took a fifth of the tile).
// With kPairChains (a weight with WeightMatrix::gemm_rounding) the chains take one step per pair of
// sub-blocks, each with that pair's integer sums and min terms, as llama.cpp's repacked Q4_K GEMM
// over four tokens does; otherwise one step per super-block, as its one-token kernel.
template <int kRows, int kTokens, bool kPairChains = false>
void tile_q4_k(const uint8_t* w, size_t stride, const QuantizedRow* x, int64_t n, float* out, int64_t ldy) {
    static_assert(!kPairChains || kRows == 4, "pair chains only in the four-row tile");
    const __m512i low_nibbles = _mm512_set1_epi8(0x0F);
    const __m512i high_half_by_4 = _mm512_setr_epi64(0, 0, 0, 0, 4, 4, 4, 4);  // the upper 256 bits' high nibbles
    // bytes 8..15 of the scales-then-mins order (the mins), each twice: one per 16-value sum
    const __m128i min_pairs = _mm_setr_epi8(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
    __m128 chains[kRows][kTokens];  // one row: q4_k_chains_step's
    for (auto& row : chains)
        for (auto& c : row) c = _mm_setzero_ps();
    __m256 wide_chains[kTokens];  // four rows: lanes 0-3 their scaled chains, 4-7 their mins
    for (auto& c : wide_chains) c = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQKK; ++i) {
        const BlockQ4_K* b[kRows];
        __m512i scales[kRows];  // int16 lanes 0..7: the sub-block scales
        for (int r = 0; r < kRows; ++r) {
            b[r] = reinterpret_cast<const BlockQ4_K*>(w + r * stride) + i;
            if constexpr (kTokens == 1) prefetch_ahead<sizeof(BlockQ4_K)>(b[r]);  // a mat-vec streams its rows
            const __m128i scales_then_mins = k_scales_then_mins(*b[r]);
            scales[r] = _mm512_zextsi256_si512(_mm256_cvtepu8_epi16(scales_then_mins));
        }
        __m512i sums[kRows][kTokens];
        for (auto& row : sums)
            for (auto& s : row) s = _mm512_setzero_si512();
        // Lane j: sub-block j's min term Σq_j·m_j. With one chain step per super-block the mins are
        // unpacked after the chunk loop, whose registers are all taken (holding them measured no
        // faster); with a step per pair, once for the four steps.
        __m256i block_min_sums[kRows][kTokens];
        const auto unpack_min_sums = [&] {
            for (int r = 0; r < kRows; ++r) {
                const __m256i mins = _mm256_cvtepu8_epi16(_mm_shuffle_epi8(k_scales_then_mins(*b[r]), min_pairs));
                for (int t = 0; t < kTokens; ++t)
                    block_min_sums[r][t] = _mm256_madd_epi16(load256(x[t].sums + i * (kQKK / kGroup)), mins);
            }
        };
        if constexpr (kPairChains) unpack_min_sums();
        // four rows: each token's [d·dx of the rows | dmin·dx of the rows], for every step of the block
        [[maybe_unused]] __m256 step_scales[kTokens];
        if constexpr (kRows == 4) {
            const __m128 d = _mm_setr_ps(half(b[0]->d), half(b[1]->d), half(b[2]->d), half(b[3]->d));
            const __m128 dmin = _mm_setr_ps(half(b[0]->dmin), half(b[1]->dmin), half(b[2]->dmin), half(b[3]->dmin));
            for (int t = 0; t < kTokens; ++t) {
                const __m128 dx = _mm_set1_ps(x[t].d[i]);
                step_scales[t] = _mm256_set_m128(_mm_mul_ps(dmin, dx), _mm_mul_ps(d, dx));
            }
        }
        // The chains' step for sub-block pair `pair`, or for all four (−1), from the sums so far.
        const auto step_chains = [&](int pair) {
            const __mmask8 pair_lanes = pair < 0 ? 0xFF : static_cast<__mmask8>(3u << (2 * pair));
            const auto folded = [&](int r, int t) {
                return _mm256_add_epi32(_mm512_castsi512_si256(sums[r][t]), _mm512_extracti64x4_epi64(sums[r][t], 1));
            };
            const auto min_sums = [&](int r, int t) { return _mm256_maskz_mov_epi32(pair_lanes, block_min_sums[r][t]); };
            if constexpr (kRows == 4) {  // each token's eight totals in one tree, its four rows' chains in one vector
                for (int t = 0; t < kTokens; ++t) {
                    __m256i totals[8];
                    for (int r = 0; r < 4; ++r) {
                        totals[r] = folded(r, t);
                        totals[4 + r] = min_sums(r, t);
                    }
                    wide_chains[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(lane_totals_x8(totals)), step_scales[t], wide_chains[t]);
                }
            } else {
                for (int r = 0; r < kRows; ++r)
                    for (int t = 0; t < kTokens; ++t)
                        chains[r][t] = q4_k_chains_step(chains[r][t], q4_k_totals(folded(r, t), min_sums(r, t)),
                                                        half(b[r]->d), half(b[r]->dmin), x[t].d[i]);
            }
        };
        for (int c = 0; c < 4; ++c) {
            // int16 lanes 0..15 take sub-block 2c's scale, lanes 16..31 sub-block 2c+1's
            const __m512i pick = _mm512_inserti64x4(_mm512_set1_epi16(static_cast<short>(2 * c)),
                                                    _mm256_set1_epi16(static_cast<short>(2 * c + 1)), 1);
            __m512i codes[kRows], scale[kRows];
            for (int r = 0; r < kRows; ++r) {
                const __m512i packed = _mm512_broadcast_i64x4(load256(b[r]->qs + 32 * c));
                codes[r] = _mm512_and_si512(_mm512_srlv_epi64(packed, high_half_by_4), low_nibbles);
                scale[r] = _mm512_permutexvar_epi16(pick, scales[r]);
            }
            for (int t = 0; t < kTokens; ++t) {
                const __m512i q = _mm512_loadu_si512(x[t].q + i * kQKK + 64 * c);
                for (int r = 0; r < kRows; ++r)
                    sums[r][t] = _mm512_dpwssd_epi32(sums[r][t], _mm512_maddubs_epi16(codes[r], q), scale[r]);
            }
            if constexpr (kPairChains) {
                step_chains(c);
                for (auto& row : sums)
                    for (auto& s : row) s = _mm512_setzero_si512();
            }
        }
        if constexpr (!kPairChains) {
            unpack_min_sums();
            step_chains(-1);
        }
    }
    for (int t = 0; t < kTokens; ++t) {
        if constexpr (kRows == 4) {
            _mm_storeu_ps(out + t * ldy, _mm_sub_ps(_mm256_castps256_ps128(wide_chains[t]), _mm256_extractf128_ps(wide_chains[t], 1)));
        } else {
            for (int r = 0; r < kRows; ++r) out[t * ldy + r] = q4_k_chains_result(chains[r][t]);
        }
    }
}

// The one-token, one-row case: a decode's Q4_K mat-vec, 64 values per vector instead of 32.
float dot_q4_k_row(const void* row, const QuantizedRow& x, int64_t n) {
    float out;
    tile_q4_k<1, 1>(static_cast<const uint8_t*>(row), 0, &x, n, &out, 1);
    return out;
}

// A decode's Q4_K mat-vec: many rows against one activation. A 64-byte half of a block's qs holds,
// in its low nibbles, the values of sub-blocks 4h and 4h + 2 (one per 256-bit half) and in its
// high nibbles those of 4h + 1 and 4h + 3. With the activation's 32-value groups put once in that
// order (0 2 1 3 4 6 5 7 in every super-block), each half takes one load, one shift and two masks
// where tile_q4_k broadcasts and shifts 32 bytes per 64 values. The scales reach their int16 lanes
// by in-lane byte shuffles of one broadcast.
struct Q4_KNibbleOrder {
    __m512i low_nibbles = _mm512_set1_epi8(0x0F);
    // byte shuffles of [scales 0-7, mins 0-7] (in every 128-bit lane) to int16 lanes: sub-block
    // `first`'s scale in the lower 256 bits and `second`'s in the upper ones (−1 gives a zero byte)
    static __m512i pick(char first, char second) {
        const auto lanes = [](char k) {
            return _mm256_setr_epi8(k, -1, k, -1, k, -1, k, -1, k, -1, k, -1, k, -1, k, -1,
                                    k, -1, k, -1, k, -1, k, -1, k, -1, k, -1, k, -1, k, -1);
        };
        return _mm512_inserti64x4(_mm512_castsi256_si512(lanes(first)), lanes(second), 1);
    }
    __m512i picks[4] = {pick(0, 2), pick(1, 3), pick(4, 6), pick(5, 7)};
    // the mins, each twice (one per 16-value sum), as int16 lanes
    __m256i min_pairs = _mm256_setr_epi8(8, -1, 8, -1, 9, -1, 9, -1, 10, -1, 10, -1, 11, -1, 11, -1,
                                         12, -1, 12, -1, 13, -1, 13, -1, 14, -1, 14, -1, 15, -1, 15, -1);

    // Block b (super-block i of the activation): the eight int32 lanes of its scaled sums, each
    // the same positions of every sub-block times their scales, and the eight of its min terms.
    [[gnu::always_inline]] void block(const BlockQ4_K& b, const QuantizedRow& x, const int8_t* reordered, int64_t i,
                                      __m256i& sums_out, __m256i& min_sums) const {
        const __m512i scales_then_mins = _mm512_broadcast_i32x4(k_scales_then_mins(b));
        const int8_t* q = reordered + i * kQKK;
        __m512i sums = _mm512_setzero_si512();
        for (int h = 0; h < 2; ++h) {
            const __m512i packed = _mm512_loadu_si512(b.qs + 64 * h);
            const __m512i low = _mm512_and_si512(packed, low_nibbles);
            const __m512i high = _mm512_and_si512(_mm512_srli_epi16(packed, 4), low_nibbles);
            sums = _mm512_dpwssd_epi32(sums, _mm512_maddubs_epi16(low, _mm512_loadu_si512(q + 128 * h)),
                                       _mm512_shuffle_epi8(scales_then_mins, picks[2 * h]));
            sums = _mm512_dpwssd_epi32(sums, _mm512_maddubs_epi16(high, _mm512_loadu_si512(q + 128 * h + 64)),
                                       _mm512_shuffle_epi8(scales_then_mins, picks[2 * h + 1]));
        }
        const __m256i mins = _mm256_shuffle_epi8(_mm512_castsi512_si256(scales_then_mins), min_pairs);
        min_sums = _mm256_madd_epi16(load256(x.sums + i * (kQKK / kGroup)), mins);
        sums_out = _mm256_add_epi32(_mm512_castsi512_si256(sums), _mm512_extracti64x4_epi64(sums, 1));
    }
};

// Four rows, their chains in the lanes of one vector, as llama.cpp's interleaved kernels hold
// them. The rows are read one after another, as the memory holds them (four rows read block by
// block in step streamed from DRAM far slower: the Q4_K_M cut's gate and up products took up to
// 1.8 times as long), and each block's integer lanes wait in `lanes`, in L1, until the four rows'
// float steps: each block's eight totals (each row's scaled sums and min terms) from one
// transposed tree, its four rows' d and dmin from one conversion, and one product and one
// multiply-add for all four, where one row alone takes two horizontal sums and a 4-lane step.
// Fewer than four rows (count) repeat the last one and keep only their own results.
void dot_q4_k_four_rows(const uint8_t* w, size_t stride, int count, const QuantizedRow& x, const int8_t* reordered,
                        int64_t n, __m256i* lanes, float* y) {
    constexpr int kRows = 4;
    const Q4_KNibbleOrder kernel;
    const int64_t n_blocks = n / kQKK;
    const uint8_t* rows[kRows];
    for (int r = 0; r < kRows; ++r) rows[r] = w + std::min(r, count - 1) * stride;
    auto* d_dmin = reinterpret_cast<uint32_t*>(lanes + 8 * n_blocks);  // [block][row]
    for (int r = 0; r < kRows; ++r) {
        const auto* blocks = reinterpret_cast<const BlockQ4_K*>(rows[r]);
        for (int64_t i = 0; i < n_blocks; ++i) {  // block i's lanes: [row 0 sums, row 0 min terms, row 1 ...]
            prefetch_ahead<sizeof(BlockQ4_K)>(blocks + i);
            kernel.block(blocks[i], x, reordered, i, lanes[8 * i + 2 * r], lanes[8 * i + 2 * r + 1]);
            std::memcpy(&d_dmin[kRows * i + r], &blocks[i], sizeof(uint32_t));
        }
    }
    __m256 chains = _mm256_setzero_ps();  // lanes 2r, 2r + 1: row r's scaled sums and mins
    for (int64_t i = 0; i < n_blocks; ++i) {
        const __m128i halves = _mm_loadu_si128(reinterpret_cast<const __m128i*>(d_dmin + kRows * i));
        const __m256i(&totals)[8] = *reinterpret_cast<const __m256i(*)[8]>(lanes + 8 * i);
        chains = _mm256_fmadd_ps(_mm256_cvtepi32_ps(lane_totals_x8(totals)),
                                 _mm256_mul_ps(_mm256_cvtph_ps(halves), _mm256_set1_ps(x.d[i])), chains);
    }
    const __m256 split = _mm256_permutevar8x32_ps(chains, _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7));
    alignas(16) float results[kRows];
    _mm_store_ps(results, _mm_sub_ps(_mm256_castps256_ps128(split), _mm256_extractf128_ps(split, 1)));
    std::memcpy(y, results, static_cast<size_t>(count) * sizeof(float));
}

// Plain Q4_K rows (--mmap, or a matrix whose rows are not a multiple of 16; a copied model's are
// grouped: grouped_q4_k_avx512.cpp). In cache on Zen 5, at 2048 columns (bench_kernels
// int8_rows_in_cache/q4_K): 69–70 G MAC/s; one row at a time, 73.9 with the earlier 16-lane float
// steps and 58 with llama.cpp's. From DRAM about 7 % slower than that earlier kernel while the
// host's bandwidth was high.
void rows_q4_k(const uint8_t* w, size_t stride, int64_t rows, const QuantizedRow& x, int64_t n, float* y) {
    thread_local ScratchBuffer buffer;
    auto* reordered = buffer.items<int8_t>(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; i += 128) {  // groups [0 1 | 2 3] -> [0 2 | 1 3]
        const __m512i first = _mm512_loadu_si512(x.q + i), second = _mm512_loadu_si512(x.q + i + 64);
        _mm512_storeu_si512(reordered + i, _mm512_shuffle_i64x2(first, second, _MM_SHUFFLE(1, 0, 1, 0)));
        _mm512_storeu_si512(reordered + i + 64, _mm512_shuffle_i64x2(first, second, _MM_SHUFFLE(3, 2, 3, 2)));
    }
    thread_local ScratchBuffer lanes_buffer;
    auto* lanes = lanes_buffer.items<__m256i>(static_cast<size_t>(9 * (n / kQKK)));  // and the blocks' d, dmin
    for (int64_t r = 0; r < rows; r += 4)
        dot_q4_k_four_rows(w + r * stride, stride, static_cast<int>(std::min<int64_t>(4, rows - r)), x, reordered, n, lanes, y + r);
}

// Q8_0 weights × a Q8_0-style activation, one token (a decode's mat-vec): two blocks per 512-bit
// vector, so the integer dot, the conversion and the multiply-add take half the instructions of the
// 256-bit kernel, which left a one-row dot compute-bound below the memory's streaming rate. The
// float steps are that kernel's: block i goes to chain i mod 4, and the vector pairs hold chains
// [0 | 1] and [2 | 3], so the result is bit for bit the 256-bit kernel's. A pair's two F16 scales
// are converted and multiplied by the activation's in one step.
// Blocks i and i + 1 (or i alone, when `pair` is false: the row's last block, in the lower half).
[[gnu::always_inline]] inline void dot_q8_0_pair(const BlockQ8_0* blocks, const QuantizedRow& x, int64_t i, bool pair,
                                                 __m512& chain) {
    const __m512i zero = _mm512_setzero_si512();
    const __m256i second = pair ? load256(blocks[i + 1].qs) : _mm256_setzero_si256();
    const __m512i w = _mm512_inserti64x4(_mm512_castsi256_si512(load256(blocks[i].qs)), second, 1);
    const int8_t* xq = x.q + i * kQK;
    const __m512i q = pair ? _mm512_loadu_si512(xq) : _mm512_zextsi256_si512(load256(xq));
    // |w| · (q with w's sign): the signed × signed products vpdpbusd's unsigned × signed form allows
    const __m512i signed_q = _mm512_mask_sub_epi8(q, _mm512_movepi8_mask(w), zero, q);
    const __m512i sums = _mm512_dpbusd_epi32(zero, _mm512_abs_epi8(w), signed_q);
    const uint32_t d_pair = blocks[i].d | (pair ? uint32_t{blocks[i + 1].d} << 16 : 0u);
    const __m128 dx_pair = pair ? _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(x.d + i))) : _mm_load_ss(x.d + i);
    const __m128 scale_pair = _mm_mul_ps(_mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(d_pair))), dx_pair);
    const __m512 scale = _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1),
                                               _mm512_castps128_ps512(scale_pair));
    chain = _mm512_mask3_fmadd_ps(_mm512_cvtepi32_ps(sums), scale, chain, pair ? 0xFFFF : 0x00FF);
}

float dot_q8_0_row(const void* row, const QuantizedRow& x, int64_t n) {
    constexpr int64_t kBatch = 8;  // blocks per prefetch step: 272 bytes, five cache lines
    const auto* blocks = static_cast<const BlockQ8_0*>(row);
    const int64_t n_blocks = n / kQK;
    __m512 chains[2] = {_mm512_setzero_ps(), _mm512_setzero_ps()};  // [0 | 1] and [2 | 3]
    int64_t i = 0;
    for (; i + kBatch <= n_blocks; i += kBatch) {
        prefetch_ahead<kBatch * sizeof(BlockQ8_0)>(blocks + i);
        for (int64_t k = 0; k < kBatch; k += 2) dot_q8_0_pair(blocks, x, i + k, true, chains[(k >> 1) & 1]);
    }
    for (; i < n_blocks; i += 2) dot_q8_0_pair(blocks, x, i, i + 1 < n_blocks, chains[(i >> 1) & 1]);
    const __m256 first_two = _mm256_add_ps(_mm512_castps512_ps256(chains[0]), _mm512_extractf32x8_ps(chains[0], 1));
    const __m256 last_two = _mm256_add_ps(_mm512_castps512_ps256(chains[1]), _mm512_extractf32x8_ps(chains[1], 1));
    return reduce256(_mm256_add_ps(first_two, last_two));
}

// Q6_K weights × a Q8_K-style activation, one token: simd_int8_kernels.h's dot_q8_q6_k with two of
// its 32-value chunks per vector. Chunks 4h, 4h + 1 take the low nibbles of ql[64h..64h + 63] and
// chunks 4h + 2, 4h + 3 the high ones; the 2-bit tops come from qh[32h..32h + 31], broadcast to
// both halves and shifted per half. Folding the halves gives that kernel's int32 lanes exactly,
// and the one float step per super-block is its own.
float dot_q6_k_row(const void* row, const QuantizedRow& x, int64_t n) {
    const auto* blocks = static_cast<const BlockQ6_K*>(row);
    const __m512i low_nibbles = _mm512_set1_epi8(0x0F);
    const __m512i high_pair = _mm512_set1_epi8(0x30);
    const __m512i tops_low = _mm512_setr_epi64(4, 4, 4, 4, 2, 2, 2, 2);   // qh << 4 | qh << 2: chunks 0, 1
    const __m512i tops_high = _mm512_setr_epi64(0, 0, 0, 0, 2, 2, 2, 2);  // qh | qh >> 2: chunks 2, 3
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQKK; ++i) {
        const BlockQ6_K& b = blocks[i];
        prefetch_ahead<sizeof(BlockQ6_K)>(&b);
        const __m256i scales = _mm256_cvtepi8_epi16(load128(b.scales));  // int16 lane g: scale of values 16g..16g+15
        const __m512i scales_both = _mm512_castsi256_si512(scales);
        // −32·Σ_g s_g·Σq_g, in the lanes the chunks add to
        __m512i sum = _mm512_zextsi256_si512(_mm256_slli_epi32(
            _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_madd_epi16(load256(x.sums + i * (kQKK / kGroup)), scales)), 5));
        for (int half_block = 0; half_block < 2; ++half_block) {
            const __m512i ql = _mm512_loadu_si512(b.ql + 64 * half_block);
            const __m512i qh = _mm512_broadcast_i64x4(load256(b.qh + 32 * half_block));
            const __m512i codes[2] = {
                _mm512_or_si512(_mm512_and_si512(ql, low_nibbles), _mm512_and_si512(_mm512_sllv_epi64(qh, tops_low), high_pair)),
                _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), low_nibbles),
                                _mm512_and_si512(_mm512_srlv_epi64(qh, tops_high), high_pair))};
            for (int k = 0; k < 2; ++k) {
                // int16 lanes 8j..8j+7 take the scale of values 16j.. of these 64: scales 8h + 4k + j
                const short g = static_cast<short>(8 * half_block + 4 * k);
                const __m512i pick = _mm512_inserti64x4(
                    _mm512_castsi256_si512(_mm256_setr_epi16(g, g, g, g, g, g, g, g, g + 1, g + 1, g + 1, g + 1, g + 1, g + 1, g + 1, g + 1)),
                    _mm256_setr_epi16(g + 2, g + 2, g + 2, g + 2, g + 2, g + 2, g + 2, g + 2, g + 3, g + 3, g + 3, g + 3, g + 3, g + 3, g + 3, g + 3), 1);
                const __m512i q = _mm512_loadu_si512(x.q + i * kQKK + 128 * half_block + 64 * k);
                sum = _mm512_dpwssd_epi32(sum, _mm512_maddubs_epi16(codes[k], q), _mm512_permutexvar_epi16(pick, scales_both));
            }
        }
        const __m256i folded = _mm256_add_epi32(_mm512_castsi512_si256(sum), _mm512_extracti64x4_epi64(sum, 1));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(half(b.d) * x.d[i]), _mm256_cvtepi32_ps(folded), acc);
    }
    return reduce256(acc);
}

}  // namespace

void add_avx512_int8_kernels(KernelTable& table) {
    auto set_legacy = [&table](GgmlType type, DotQ8TileFn tile, DotQ8TileFn wide) {
        table.types[static_cast<uint32_t>(type)].dot_q8_tile = tile;
        table.types[static_cast<uint32_t>(type)].dot_q8_wide_tile = wide;
    };
    set_legacy(GgmlType::Q4_0, tile_legacy<CodesQ4_0, kTileTokens>, tile_legacy<CodesQ4_0, kWideTileTokens>);
    set_legacy(GgmlType::Q5_0, tile_legacy<CodesQ5_0, kTileTokens>, tile_legacy<CodesQ5_0, kWideTileTokens>);
    set_legacy(GgmlType::Q8_0, tile_legacy<CodesQ8_0, kTileTokens>, tile_legacy<CodesQ8_0, kWideTileTokens>);
    table.types[static_cast<uint32_t>(GgmlType::Q4_0)].dot_q8 = dot_legacy_row<CodesQ4_0>;
    table.types[static_cast<uint32_t>(GgmlType::Q5_0)].dot_q8 = dot_legacy_row<CodesQ5_0>;
    table.types[static_cast<uint32_t>(GgmlType::Q4_0)].dot_q8_rows = rows_legacy<CodesQ4_0>;
    table.types[static_cast<uint32_t>(GgmlType::Q5_0)].dot_q8_rows = rows_legacy<CodesQ5_0>;
    table.types[static_cast<uint32_t>(GgmlType::Q4_K)].dot_q8_tile = tile_q4_k<kTileRows, kTileTokens>;
    table.types[static_cast<uint32_t>(GgmlType::Q4_K)].dot_q8_gemm_tile = tile_q4_k<kTileRows, kTileTokens, true>;
    table.types[static_cast<uint32_t>(GgmlType::Q4_K)].dot_q8 = dot_q4_k_row;
    table.types[static_cast<uint32_t>(GgmlType::Q4_K)].dot_q8_rows = rows_q4_k;
    table.types[static_cast<uint32_t>(GgmlType::Q6_K)].dot_q8 = dot_q6_k_row;
    table.types[static_cast<uint32_t>(GgmlType::Q8_0)].dot_q8 = dot_q8_0_row;
}

}  // namespace moe::quant::detail

#endif
