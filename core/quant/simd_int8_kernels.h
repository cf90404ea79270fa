// Integer dot products of quantized weights with quantized activations (activations.h), shared by
// the AVX2 and AVX-512 translation units after simd_kernels.h.
//
// Products of 8-bit codes are summed exactly in int32; floats only enter per 16 or 32 values
// (weight scale × activation scale). The vector policy `V` adds two integer primitives:
//   V::dot_i8(w, x)          8 int32 lanes, lane k = Σ w[4k..4k+3]·x[4k..4k+3] (signed × signed)
//   V::dot_u8(u, x)          the same with unsigned u (at most 31 here, so maddubs cannot saturate)
//   V::madd_acc(acc, a, b)   acc + pairwise Σ a·b of int16 lanes (one VNNI instruction on AVX-512)
// Both are exact here: activation codes lie in [−127, 127], so no int16 intermediate saturates.
#pragma once

#include "quant/activations.h"

namespace moe::quant::detail {
namespace {

// [p[0] ×4, p[1] ×4]: the scales of the two 16-value groups one 32-byte dot covers.
inline __m256 pair_lanes(const float* p) {
    const __m128 two = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(p)));
    return _mm256_permutevar8x32_ps(_mm256_castps128_ps256(two), _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1));
}

inline float reduce256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// The float steps of a Q4_K × Q8_K dot, as llama.cpp takes them in the kernels it runs Q4_K weights
// through on AVX2 CPUs (it repacks them 8 rows at a time there, and its conformance dumps come from
// those kernels): per super-block one multiply-add of the whole integer sum Σ_j sc_j·(q4·q8)_j by
// d·dx into a chain of scaled sums, one of the min terms Σ_j m_j·Σq_j by dmin·dx into a chain of
// mins, and the dot is the first chain less the second. Matching them took deepseek2-q4_k_m's
// largest logit difference from llama.cpp from 0.25 to 0.16 and qwen3moe-q4_k_m's from 1.8e-4 to
// 2e-6 (README: Conformance).
// Integer sums in any order are exact, so the kernels take them where they are cheapest: eight
// 8-lane vectors' totals at once, [Σv[0], ..., Σv[7]], in one transposed tree.
inline __m256i lane_totals_x8(const __m256i (&v)[8]) {
    __m256i pairs[4];  // per 128 bits: [v2m lanes 0+2, v2m+1 lanes 0+2, v2m lanes 1+3, v2m+1 lanes 1+3]
    for (int m = 0; m < 4; ++m)
        pairs[m] = _mm256_add_epi32(_mm256_unpacklo_epi32(v[2 * m], v[2 * m + 1]), _mm256_unpackhi_epi32(v[2 * m], v[2 * m + 1]));
    __m256i quads[2];  // per 128 bits: the four vectors' sums of that half
    for (int m = 0; m < 2; ++m)
        quads[m] = _mm256_add_epi32(_mm256_unpacklo_epi64(pairs[2 * m], pairs[2 * m + 1]),
                                    _mm256_unpackhi_epi64(pairs[2 * m], pairs[2 * m + 1]));
    return _mm256_add_epi32(_mm256_permute2x128_si256(quads[0], quads[1], 0x20),
                            _mm256_permute2x128_si256(quads[0], quads[1], 0x31));
}
// [Σ sums, Σ min_sums, Σ sums, Σ min_sums]: one row and token's two totals.
inline __m128i q4_k_totals(__m256i sums, __m256i min_sums) {
    const __m256i pairs = _mm256_hadd_epi32(sums, min_sums);
    const __m256i quads = _mm256_hadd_epi32(pairs, pairs);
    return _mm_add_epi32(_mm256_castsi256_si128(quads), _mm256_extracti128_si256(quads, 1));
}
// One row and token: lane 0 the chain of scaled sums, lane 1 the chain of mins.
inline __m128 q4_k_chains_step(__m128 chains, __m128i totals, float d, float dmin, float dx) {
    return _mm_fmadd_ps(_mm_cvtepi32_ps(totals), _mm_setr_ps(d * dx, dmin * dx, 0.0f, 0.0f), chains);
}
inline float q4_k_chains_result(__m128 chains) { return _mm_cvtss_f32(_mm_sub_ss(chains, _mm_movehdup_ps(chains))); }

// Every kernel takes kTokens activation vectors at once and writes kTokens sums: a weight block is
// loaded and unpacked once for all of them (the prefill GEMM uses 4; a mat-vec 1).

// Any format, through its block decoder (signed codes plus a float scale and min per span):
// Σ_g scale_g·d_x·Σ(q·q_x) − min_g·d_x·Σ q_x over the 16-value groups g.
template <class V, class Format, int kTokens>
void dot_q8_decoded(const void* row, const QuantizedRow* x, int64_t n, float* out) {
    constexpr int kActivationBlock = Format::kValues == kQKK ? kQKK : kQK;
    __m256 acc[kTokens];
    float min_total[kTokens];
    for (int t = 0; t < kTokens; ++t) {
        acc[t] = _mm256_setzero_ps();
        min_total[t] = 0.0f;
    }
    for_each_decoded_chunk<Format>(row, n, [&](int64_t first, const Decoded& d, auto n_groups) {
        const int64_t base = first * Format::kValues;
        for (int t = 0; t < kTokens; ++t) {
            alignas(32) float group_scale[kQKK / kGroup], group_dx[kQKK / kGroup];
            for (int g = 0; g < n_groups; ++g) {
                group_dx[g] = x[t].d[(base + g * kGroup) / kActivationBlock];
                group_scale[g] = d.scale[g * kGroup / Format::kSpan] * group_dx[g];
            }
            for (int j = 0; j < n_groups / 2; ++j) {
                const __m256i products = V::dot_i8(load256(d.q + 32 * j), load256(x[t].q + base + 32 * j));
                acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(products), pair_lanes(group_scale + 2 * j), acc[t]);
            }
            if constexpr (Format::kHasMin) {
                for (int g = 0; g < n_groups; ++g) {
                    min_total[t] += d.min[g * kGroup / Format::kSpan] * group_dx[g] * x[t].sums[base / kGroup + g];
                }
            }
        }
    });
    for (int t = 0; t < kTokens; ++t) out[t] = reduce256(acc[t]) - min_total[t];
}

// Q8_0: one integer dot and one float multiply-add per 32-value block and token.
template <class V, int kTokens>
void dot_q8_q8_0(const void* row, const QuantizedRow* x, int64_t n, float* out) {
    const auto* bytes = static_cast<const uint8_t*>(row);
    constexpr int kAccumulators = kTokens == 1 ? 4 : kTokens;  // one token: 4 chains hide the FMA latency
    __m256 acc[kAccumulators];
    for (auto& a : acc) a = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQK; ++i) {
        const auto& b = *reinterpret_cast<const BlockQ8_0*>(bytes + i * sizeof(BlockQ8_0));
        prefetch_ahead<sizeof(BlockQ8_0)>(&b);
        const __m256i w = load256(b.qs);
        const float dw = half(b.d);
        for (int t = 0; t < kTokens; ++t) {
            const int slot = kTokens == 1 ? static_cast<int>(i & 3) : t;
            const __m256i products = V::dot_i8(w, load256(x[t].q + i * kQK));
            acc[slot] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(products), _mm256_set1_ps(dw * x[t].d[i]), acc[slot]);
        }
    }
    if constexpr (kTokens == 1) {
        out[0] = reduce256(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
    } else {
        for (int t = 0; t < kTokens; ++t) out[t] = reduce256(acc[t]);
    }
}

// The codes of one 32-value block as unsigned bytes, code + kOffset (value j is d·code j, d an F16
// at the block's start).
struct CodesQ4_0 {
    using Block = BlockQ4_0;
    static constexpr int kOffset = 8;
    static __m256i unsigned_codes(const Block& b) { return split_nibbles(b.qs); }
};
struct CodesQ5_0 {
    using Block = BlockQ5_0;
    static constexpr int kOffset = 16;
    static __m256i unsigned_codes(const Block& b) { return five_bit_quants(b.qs, b.qh); }
};
struct CodesQ8_0 {
    using Block = BlockQ8_0;
    static constexpr int kOffset = 128;
    static __m256i unsigned_codes(const Block& b) { return _mm256_xor_si256(load256(b.qs), _mm256_set1_epi8(static_cast<char>(0x80))); }
};

// Q4_0/Q5_0 against Q8_0-style activations, straight from the packed codes: Σ u·q − k·Σq over each
// 4-byte lane (V::dot_u8, no int16 saturation for codes below 32) is Σ code·q exactly. One float
// chain per token, block after block, as the decoded path this replaces and llama.cpp's vec_dot:
// the same floats, without the decoder's store and reload of every block's codes.
template <class V, class Codes, int kTokens>
void dot_q8_offset_codes(const void* row, const QuantizedRow* x, int64_t n, float* out) {
    static_assert(Codes::kOffset <= 16, "u8 × s8 pairs must stay within int16 on the maddubs path");
    using Block = typename Codes::Block;
    const auto* blocks = static_cast<const Block*>(row);
    const __m256i offset = _mm256_set1_epi8(static_cast<char>(Codes::kOffset));
    __m256 acc[kTokens];
    for (auto& a : acc) a = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQK; ++i) {
        const Block& b = blocks[i];
        prefetch_ahead<sizeof(Block)>(&b);
        const __m256i codes = Codes::unsigned_codes(b);
        const float dw = half(b.d);
        for (int t = 0; t < kTokens; ++t) {
            const __m256i q = load256(x[t].q + i * kQK);
            const __m256i sums = _mm256_sub_epi32(V::dot_u8(codes, q), V::dot_u8(offset, q));
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), _mm256_set1_ps(dw * x[t].d[i]), acc[t]);
        }
    }
    for (int t = 0; t < kTokens; ++t) out[t] = reduce256(acc[t]);
}

// Q4_K against Q8_K: unsigned 4-bit codes straight into maddubs, the 6-bit sub-block scales
// applied in int16 (madd), the mins through the activation's per-16 sums; the float steps are
// q4_k_chains_step's, once per super-block, or with kPairChains (four tokens of a weight with
// WeightMatrix::gemm_rounding) once per pair of sub-blocks, as llama.cpp's repacked GEMM.
template <class V, int kTokens, bool kPairChains = false>
void dot_q8_q4_k(const void* row, const QuantizedRow* x, int64_t n, float* out) {
    static_assert(!kPairChains || kTokens == 4, "pair chains only for four tokens");
    const auto* bytes = static_cast<const uint8_t*>(row);
    const __m256i low_nibbles = _mm256_set1_epi8(0x0F);
    // bytes 8..15 of the scales-then-mins order (the mins), each twice: one per 16-value sum
    const __m128i min_pairs = _mm_setr_epi8(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
    __m128 chains[kTokens];
    for (auto& c : chains) c = _mm_setzero_ps();
    __m256 wide_chains = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQKK; ++i) {
        const auto& b = *reinterpret_cast<const BlockQ4_K*>(bytes + i * sizeof(BlockQ4_K));
        prefetch_ahead<sizeof(BlockQ4_K)>(&b);
        const __m128i scales_then_mins = k_scales_then_mins(b);
        alignas(16) int16_t scale[8];
        _mm_store_si128(reinterpret_cast<__m128i*>(scale), _mm_cvtepu8_epi16(scales_then_mins));
        const __m256i mins = _mm256_cvtepu8_epi16(_mm_shuffle_epi8(scales_then_mins, min_pairs));
        __m256i sum[kTokens];
        for (auto& s : sum) s = _mm256_setzero_si256();
        const float d = half(b.d), dmin = half(b.dmin);
        // The chains' step from the sums so far, with the min terms of sub-blocks whose int32 lanes
        // `keep` holds (lane j: sub-block j).
        const auto step_chains = [&](__m256i keep) {
            if constexpr (kTokens == 4) {  // the four tokens' eight totals in one tree, their chains in one vector
                __m256i totals[8];
                for (int t = 0; t < 4; ++t) {
                    totals[t] = sum[t];
                    totals[4 + t] = _mm256_and_si256(_mm256_madd_epi16(load256(x[t].sums + i * (kQKK / kGroup)), mins), keep);
                }
                const __m128 dx = _mm_setr_ps(x[0].d[i], x[1].d[i], x[2].d[i], x[3].d[i]);
                const __m256 scales = _mm256_set_m128(_mm_mul_ps(_mm_set1_ps(dmin), dx), _mm_mul_ps(_mm_set1_ps(d), dx));
                wide_chains = _mm256_fmadd_ps(_mm256_cvtepi32_ps(lane_totals_x8(totals)), scales, wide_chains);
            } else {
                for (int t = 0; t < kTokens; ++t) {
                    const __m256i min_sums = _mm256_and_si256(_mm256_madd_epi16(load256(x[t].sums + i * (kQKK / kGroup)), mins), keep);
                    chains[t] = q4_k_chains_step(chains[t], q4_k_totals(sum[t], min_sums), d, dmin, x[t].d[i]);
                }
            }
        };
        for (int c = 0; c < 4; ++c) {
            const __m256i packed = load256(b.qs + 32 * c);
            const __m256i low = _mm256_and_si256(packed, low_nibbles);
            const __m256i high = _mm256_and_si256(_mm256_srli_epi16(packed, 4), low_nibbles);
            const __m256i low_scale = _mm256_set1_epi16(scale[2 * c]), high_scale = _mm256_set1_epi16(scale[2 * c + 1]);
            for (int t = 0; t < kTokens; ++t) {
                const int8_t* xq = x[t].q + i * kQKK + 64 * c;
                sum[t] = V::madd_acc(sum[t], _mm256_maddubs_epi16(low, load256(xq)), low_scale);
                sum[t] = V::madd_acc(sum[t], _mm256_maddubs_epi16(high, load256(xq + 32)), high_scale);
            }
            if constexpr (kPairChains) {  // sub-blocks 2c and 2c + 1
                const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
                step_chains(_mm256_or_si256(_mm256_cmpeq_epi32(lane, _mm256_set1_epi32(2 * c)),
                                            _mm256_cmpeq_epi32(lane, _mm256_set1_epi32(2 * c + 1))));
                for (auto& s : sum) s = _mm256_setzero_si256();
            }
        }
        if constexpr (!kPairChains) step_chains(_mm256_set1_epi32(-1));
    }
    if constexpr (kTokens == 4) {  // lanes 0-3 the tokens' scaled chains, 4-7 their mins
        _mm_storeu_ps(out, _mm_sub_ps(_mm256_castps256_ps128(wide_chains), _mm256_extractf128_ps(wide_chains, 1)));
    } else {
        for (int t = 0; t < kTokens; ++t) out[t] = q4_k_chains_result(chains[t]);
    }
}

// Q6_K against Q8_K, as the Q4_K kernel: the unsigned 6-bit codes u = code + 32 straight into
// maddubs (pairs at most 2·63·127), the signed 8-bit scale of each 16 values applied in int16
// (madd), and the offset through the activation's per-16 sums: Σ s·(u − 32)·q = Σ s·u·q −
// 32·Σ_g s_g·Σq_g. The whole super-block is summed in int32, then one float multiply-add per 256
// values and token (the decoded path took a float step per 32 values: half the speed, and the
// output matrix of a Q4_K_M file is Q6_K).
template <class V, int kTokens>
void dot_q8_q6_k(const void* row, const QuantizedRow* x, int64_t n, float* out) {
    const auto* bytes = static_cast<const uint8_t*>(row);
    const __m256i low_nibbles = _mm256_set1_epi8(0x0F);
    const __m256i high_pair = _mm256_set1_epi8(0x30);
    // int16 lanes 0..7 take the first scale of a 32-bit lane, lanes 8..15 the second
    const __m256i spread = _mm256_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1,
                                            2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3);
    __m256 acc[kTokens];
    for (auto& a : acc) a = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQKK; ++i) {
        const auto& b = *reinterpret_cast<const BlockQ6_K*>(bytes + i * sizeof(BlockQ6_K));
        prefetch_ahead<sizeof(BlockQ6_K)>(&b);
        const __m256i scales = _mm256_cvtepi8_epi16(load128(b.scales));  // int16 lane g: scale of values 16g..16g+15
        __m256i sum[kTokens];
        for (int t = 0; t < kTokens; ++t)  // −32·Σ_g s_g·Σq_g, in the lanes the chunks add to
            sum[t] = _mm256_slli_epi32(_mm256_sub_epi32(_mm256_setzero_si256(),
                                                        _mm256_madd_epi16(load256(x[t].sums + i * (kQKK / kGroup)), scales)), 5);
        for (int half_block = 0; half_block < 2; ++half_block) {
            // Values 128h + 32k + l: low 4 bits in ql (k = 0, 1 low nibbles of ql[64h + 32k + l],
            // k = 2, 3 their high nibbles), high 2 bits in bits 2k, 2k+1 of qh[32h + l].
            const __m256i ql_a = load256(b.ql + 64 * half_block);
            const __m256i ql_b = load256(b.ql + 64 * half_block + 32);
            const __m256i qh = load256(b.qh + 32 * half_block);
            const __m256i codes[4] = {
                _mm256_or_si256(_mm256_and_si256(ql_a, low_nibbles), _mm256_and_si256(_mm256_slli_epi16(qh, 4), high_pair)),
                _mm256_or_si256(_mm256_and_si256(ql_b, low_nibbles), _mm256_and_si256(_mm256_slli_epi16(qh, 2), high_pair)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql_a, 4), low_nibbles), _mm256_and_si256(qh, high_pair)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql_b, 4), low_nibbles),
                                _mm256_and_si256(_mm256_srli_epi16(qh, 2), high_pair))};
            for (int k = 0; k < 4; ++k) {
                const int chunk = 4 * half_block + k;  // values 32·chunk.. : scales 2·chunk and 2·chunk + 1
                const __m256i scale = _mm256_shuffle_epi8(_mm256_permutevar8x32_epi32(scales, _mm256_set1_epi32(chunk)), spread);
                for (int t = 0; t < kTokens; ++t) {
                    const __m256i q = load256(x[t].q + i * kQKK + 32 * chunk);
                    sum[t] = V::madd_acc(sum[t], _mm256_maddubs_epi16(codes[k], q), scale);
                }
            }
        }
        const float d = half(b.d);
        for (int t = 0; t < kTokens; ++t)
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * x[t].d[i]), _mm256_cvtepi32_ps(sum[t]), acc[t]);
    }
    for (int t = 0; t < kTokens; ++t) out[t] = reduce256(acc[t]);
}

// The one-token entry of the kernel table.
template <void (*kKernel)(const void*, const QuantizedRow*, int64_t, float*)>
float single(const void* row, const QuantizedRow& x, int64_t n) {
    float out;
    kKernel(row, &x, n, &out);
    return out;
}

template <void (*kOne)(const void*, const QuantizedRow*, int64_t, float*),
          void (*kFour)(const void*, const QuantizedRow*, int64_t, float*)>
constexpr Int8Kernels int8_kernels() {
    return {single<kOne>, kFour, tile_of_rows<kFour>};
}

template <class V>
void add_int8_kernels(KernelTable& t) {
    auto set = [&t](GgmlType type, Int8Kernels k) {
        t.types[static_cast<uint32_t>(type)].dot_q8 = k.dot;
        t.types[static_cast<uint32_t>(type)].dot_q8_x4 = k.dot_x4;
        t.types[static_cast<uint32_t>(type)].dot_q8_tile = k.tile;
    };
    auto decoded = [](auto format) {
        using Format = decltype(format);
        return int8_kernels<dot_q8_decoded<V, Format, 1>, dot_q8_decoded<V, Format, 4>>();
    };
    set(GgmlType::Q4_0, int8_kernels<dot_q8_offset_codes<V, CodesQ4_0, 1>, dot_q8_offset_codes<V, CodesQ4_0, 4>>());
    set(GgmlType::Q4_1, decoded(FormatQ4_1{}));
    set(GgmlType::Q5_0, int8_kernels<dot_q8_offset_codes<V, CodesQ5_0, 1>, dot_q8_offset_codes<V, CodesQ5_0, 4>>());
    set(GgmlType::Q5_1, decoded(FormatQ5_1{}));
    set(GgmlType::Q8_0, int8_kernels<dot_q8_q8_0<V, 1>, dot_q8_q8_0<V, 4>>());
    set(GgmlType::Q2_K, decoded(FormatQ2_K{}));
    set(GgmlType::Q3_K, decoded(FormatQ3_K{}));
    set(GgmlType::Q4_K, int8_kernels<dot_q8_q4_k<V, 1>, dot_q8_q4_k<V, 4>>());
    t.types[static_cast<uint32_t>(GgmlType::Q4_K)].dot_q8_gemm_tile = tile_of_rows<dot_q8_q4_k<V, 4, true>>;
    set(GgmlType::Q5_K, decoded(FormatQ5_K{}));
    set(GgmlType::Q6_K, int8_kernels<dot_q8_q6_k<V, 1>, dot_q8_q6_k<V, 4>>());
}

}  // namespace
}  // namespace moe::quant::detail
