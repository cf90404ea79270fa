// AVX-512 (F/BW/VL/DQ/VNNI) kernels: 16 floats per vector; the block decoders stay 256-bit. The Q4_K
// and Q5_0 dots are table lookups of their own (below), the rest come from simd_kernels.h.
// Must precede the includes so that the intrinsics get the same options:
// - no contraction of separate multiplies and adds into FMAs: dequantized values must round
//   exactly like the scalar reference;
// - no modref / pure-const inference: GCC 12.2 -O1+ gets the side effects of a function wrong
//   when it stores into two arrays of one struct in a loop, and then deletes the stores or the
//   whole call. Minimal case: `struct D { signed char q[256]; float s[16]; };` and
//   `void f(D* d, int c) { for (int i = 0; i < c; ++i) { d->q[32 * i] = 1; d->s[2 * i + 1] = 1; } }`:
//   after `D d{}; f(&d, 1);` GCC 12.2 -O2 reads d.s[1] as 0.
#pragma GCC optimize("fp-contract=off", "no-ipa-modref", "no-ipa-pure-const")
// GCC 12's avx512fintrin.h self-initialises its "undefined" vectors (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <cstddef>

#include "quant/kernel_table.h"

#if defined(__x86_64__)
#include "quant/mxfp4.h"
#include "quant/simd_kernels.h"
#include "quant/simd_int8_kernels.h"

namespace moe::quant::detail {
namespace {

struct Avx512 {
    using F = __m512;
    static constexpr int kWidth = 16;
    // GEMM micro tile: 4 rows × 4 activations = 16 accumulators + 8 operands in 32 registers.
    static constexpr int kGemmRows = 4;
    static constexpr int kGemmActs = 4;

    static F zero() { return _mm512_setzero_ps(); }
    static F set1(float v) { return _mm512_set1_ps(v); }
    static F load(const float* p) { return _mm512_loadu_ps(p); }
    static void store(float* p, F v) { _mm512_storeu_ps(p, v); }
    static F add(F a, F b) { return _mm512_add_ps(a, b); }
    static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
    static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
    static F fmadd(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
    static F fmsub(F a, F b, F c) { return _mm512_fmsub_ps(a, b, c); }
    static float reduce(F v) { return _mm512_reduce_add_ps(v); }
    // y[a·ldy + r] = reduce(acc[r][a]) for a 4 × 4 GEMM tile: the 16 sums in one transposed tree
    // of 15 adds instead of 16 trees of 4, pairing lanes as reduce() does (i with i + 8, then i + 4,
    // i + 2, i + 1), so every sum is bit for bit its own. The separate trees took a third of an
    // attention score tile (64 keys × 16 queries × 512 columns) and most of its 64-column rope part.
    static void store_tile_sums(const F (&acc)[4][4], float* y, int64_t ldy) {
        F halves[8], quarters[4], eighths[2];
        for (int m = 0; m < 8; ++m) {  // [v(2m) lanes i + (i + 8) | v(2m + 1) likewise], v(4r + a) = acc[r][a]
            const F a = acc[m / 2][(2 * m) % 4], b = acc[m / 2][(2 * m) % 4 + 1];
            halves[m] = _mm512_add_ps(_mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(1, 0, 1, 0)),
                                      _mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(3, 2, 3, 2)));
        }
        for (int m = 0; m < 4; ++m)  // four vectors' 4-lane partial sums per register, i + (i + 4)
            quarters[m] = _mm512_add_ps(_mm512_shuffle_f32x4(halves[2 * m], halves[2 * m + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                                        _mm512_shuffle_f32x4(halves[2 * m], halves[2 * m + 1], _MM_SHUFFLE(3, 1, 3, 1)));
        for (int m = 0; m < 2; ++m) {  // i + (i + 2): 128-bit lane L holds v(8m + L) and v(8m + 4 + L)
            const __m512d p = _mm512_castps_pd(quarters[2 * m]), q = _mm512_castps_pd(quarters[2 * m + 1]);
            eighths[m] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(p, q)), _mm512_castpd_ps(_mm512_unpackhi_pd(p, q)));
        }
        // i + (i + 1): lane 4L + e holds the sum of v(4e + L) = acc[e][L], so lanes 4a..4a + 3 are
        // activation a's four rows
        const F sums = _mm512_add_ps(_mm512_shuffle_ps(eighths[0], eighths[1], _MM_SHUFFLE(2, 0, 2, 0)),
                                     _mm512_shuffle_ps(eighths[0], eighths[1], _MM_SHUFFLE(3, 1, 3, 1)));
        _mm_storeu_ps(y, _mm512_castps512_ps128(sums));
        _mm_storeu_ps(y + ldy, _mm512_extractf32x4_ps(sums, 1));
        _mm_storeu_ps(y + 2 * ldy, _mm512_extractf32x4_ps(sums, 2));
        _mm_storeu_ps(y + 3 * ldy, _mm512_extractf32x4_ps(sums, 3));
    }
    static F from_i8(const int8_t* q) {
        return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(q))));
    }
    static __m256i dot_i8(__m256i w, __m256i x) {
        return _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(w), _mm256_sign_epi8(x, w));
    }
    static __m256i dot_u8(__m256i u, __m256i x) { return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, x); }
    static __m256i madd_acc(__m256i acc, __m256i a, __m256i b) { return _mm256_dpwssd_epi32(acc, a, b); }
    template <class Element>
    static F load_as_f32(const Element* p) {
        if constexpr (std::is_same_v<Element, float>) {
            return _mm512_loadu_ps(p);
        } else {
            const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
            if constexpr (std::is_same_v<Element, uint16_t>) return _mm512_cvtph_ps(bits);
            else return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(bits), 16));
        }
    }
};

// ---- Table-lookup dots for Q4_K and Q5_0 (the weights of a Q4_K DeepSeek-V2-Lite model). ----
// vpermps picks each of 16 lanes from a 16-float table by the low 4 bits of that lane's index, so a
// table of the 16 weights a 4-bit quant can stand for turns packed nibbles straight into
// dequantized weights: no int8 decode pass through memory, no int->float conversion and no scale
// multiply per vector. The weights are exactly the dequantized ones, so only the summation order
// differs from dequantize-then-dot.

// 0, 1, ..., 15 (a function, not a global: no AVX-512 code may run at start-up on CPUs without it).
inline __m512 iota() { return _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15); }

// Bytes p[0..15] zero-extended to 32-bit lanes: the low nibble is the lookup index as is; the high
// nibble is that after `>> 4`.
inline __m512i byte_lanes(const uint8_t* p) { return _mm512_cvtepu8_epi32(load128(p)); }

inline __m512 lookup(__m512i index, __m512 table) { return _mm512_permutexvar_ps(index, table); }

// Q4_K: d·scale and dmin·min of the eight sub-blocks as 16 floats, in k_scales_then_mins's order
// (scales 0-7, then mins 0-7): one conversion and one multiply for all of them.
inline void q4_k_scales_mins(const BlockQ4_K& b, float* out) {
    static_assert(offsetof(BlockQ4_K, d) == 0 && offsetof(BlockQ4_K, dmin) == 2);
    uint32_t d_dmin;
    std::memcpy(&d_dmin, &b, sizeof d_dmin);
    const __m512 halves = _mm512_castps128_ps512(_mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(d_dmin))));
    const __m512 multipliers =
        _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1), halves);
    const __m512 factors = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(k_scales_then_mins(b)));
    _mm512_store_ps(out, _mm512_mul_ps(factors, multipliers));
}

// Sub-block pair c (values 64c..64c+63) of a Q4_K block: qs[32c + l] holds value 64c + l in its
// low nibble and 64c + 32 + l in its high nibble. scales_mins as from q4_k_scales_mins.
[[gnu::always_inline]] inline void dot_q4_k_pair(const BlockQ4_K& b, int c, const float* scales_mins,
                                                 const float* x, Accumulators<Avx512>& acc) {
    auto table = [scales_mins](int sub_block) {
        return _mm512_fmsub_ps(iota(), _mm512_set1_ps(scales_mins[sub_block]), _mm512_set1_ps(scales_mins[8 + sub_block]));
    };
    const __m512 low_table = table(2 * c);
    const __m512 high_table = table(2 * c + 1);
    for (int part = 0; part < 2; ++part) {
        const __m512i lanes = byte_lanes(b.qs + 32 * c + 16 * part);
        const float* xp = x + 64 * c + 16 * part;
        acc.a[2 * part] = _mm512_fmadd_ps(lookup(lanes, low_table), _mm512_loadu_ps(xp), acc.a[2 * part]);
        acc.a[2 * part + 1] = _mm512_fmadd_ps(lookup(_mm512_srli_epi32(lanes, 4), high_table),
                                              _mm512_loadu_ps(xp + 32), acc.a[2 * part + 1]);
    }
}

float dot_q4_k(const void* row, const float* x, int64_t n) {
    const auto* blocks = static_cast<const uint8_t*>(row);
    Accumulators<Avx512> acc;
    for (int64_t i = 0; i < n / kQKK; ++i) {
        const uint8_t* bytes = blocks + i * sizeof(BlockQ4_K);
        prefetch_ahead<sizeof(BlockQ4_K)>(bytes);
        const auto& block = *reinterpret_cast<const BlockQ4_K*>(bytes);
        alignas(64) float scales_mins[16];
        q4_k_scales_mins(block, scales_mins);
        asm volatile("" ::: "memory");  // the tables broadcast scales and mins from memory (free), not registers
        for (int c = 0; c < 4; ++c) dot_q4_k_pair(block, c, scales_mins, x + i * kQKK, acc);
    }
    return acc.total();
}

// 16 bits from memory straight into a mask register: a plain load, where moving them from a
// general register takes an instruction on the shuffle port, which the lookups keep busy
// (GCC 12 compiles _load_mask16 to a load into a general register and such a move).
inline __mmask16 load_mask(const uint8_t* p) {
    __mmask16 mask;
    asm("kmovw %1, %0" : "=k"(mask) : "m"(*reinterpret_cast<const uint16_t*>(p)));
    return mask;
}

// v += addend in the lanes of mask, in place (GCC 12 copies v first for _mm512_mask_add_ps).
inline void add_in_lanes(__m512& v, __mmask16 mask, __m512 addend) {
    asm("vaddps %2, %0, %0%{%1%}" : "+v"(v) : "Yk"(mask), "v"(addend));
}

// Q5_0, up to 8 blocks at a time: first their scales d (converted together: one gather and one
// F16 conversion instead of a scalar conversion and a broadcast per block), then per block a table
// of d·(q − 16) for the 4 low bits q, with 16·d added in the lanes whose 5th bit is set (exact:
// every term is a half times a small integer).
[[gnu::always_inline]] inline void dot_q5_0_blocks(const uint8_t* blocks, int count, const float* x,
                                                   Accumulators<Avx512>& acc) {
    constexpr int kStride = sizeof(BlockQ5_0);
    const __m256i offsets = _mm256_setr_epi32(0, kStride, 2 * kStride, 3 * kStride, 4 * kStride, 5 * kStride,
                                              6 * kStride, 7 * kStride);
    // Each 32-bit read starts at a block's d and stays inside that block.
    const __m256i words = _mm256_mmask_i32gather_epi32(_mm256_setzero_si256(), static_cast<__mmask8>((1u << count) - 1),
                                                       offsets, blocks, 1);
    const __m256 scales = _mm256_cvtph_ps(_mm256_cvtepi32_epi16(words));
    alignas(32) float d[8], fifth_bit[8];
    _mm256_store_ps(d, scales);
    _mm256_store_ps(fifth_bit, _mm256_mul_ps(scales, _mm256_set1_ps(16.0f)));
    asm volatile("" ::: "memory");  // broadcast d and 16·d from memory (free), not registers
    const __m512 offset_iota = _mm512_sub_ps(iota(), _mm512_set1_ps(16.0f));
    for (int k = 0; k < count; ++k) {
        const auto& b = *reinterpret_cast<const BlockQ5_0*>(blocks + k * kStride);
        const __mmask16 qh_low = load_mask(b.qh);       // 5th bits of values 0..15
        const __mmask16 qh_high = load_mask(b.qh + 2);  // and of values 16..31
        const __m512 table = _mm512_mul_ps(offset_iota, _mm512_set1_ps(d[k]));
        const __m512i lanes = byte_lanes(b.qs);
        __m512 low = lookup(lanes, table);
        add_in_lanes(low, qh_low, _mm512_set1_ps(fifth_bit[k]));
        __m512 high = lookup(_mm512_srli_epi32(lanes, 4), table);
        add_in_lanes(high, qh_high, _mm512_set1_ps(fifth_bit[k]));
        const float* xb = x + k * kQK;
        acc.a[2 * (k & 1)] = _mm512_fmadd_ps(low, _mm512_loadu_ps(xb), acc.a[2 * (k & 1)]);
        acc.a[2 * (k & 1) + 1] = _mm512_fmadd_ps(high, _mm512_loadu_ps(xb + 16), acc.a[2 * (k & 1) + 1]);
    }
}

float dot_q5_0(const void* row, const float* x, int64_t n) {
    constexpr int kBatch = 8;
    const auto* blocks = static_cast<const uint8_t*>(row);
    const int64_t n_blocks = n / kQK;
    Accumulators<Avx512> acc;
    int64_t i = 0;
    for (; i + kBatch <= n_blocks; i += kBatch) {
        prefetch_ahead<kBatch * sizeof(BlockQ5_0)>(blocks + i * sizeof(BlockQ5_0));
        dot_q5_0_blocks(blocks + i * sizeof(BlockQ5_0), kBatch, x + i * kQK, acc);
    }
    if (i < n_blocks) {
        dot_q5_0_blocks(blocks + i * sizeof(BlockQ5_0), static_cast<int>(n_blocks - i), x + i * kQK, acc);
    }
    return acc.total();
}

KernelTable make_avx512_table() {
    KernelTable table = make_simd_table<Avx512>("avx512");
    table.types[static_cast<uint32_t>(GgmlType::Q4_K)].dot = dot_q4_k;
    table.types[static_cast<uint32_t>(GgmlType::Q5_0)].dot = dot_q5_0;
    add_int8_kernels<Avx512>(table);
    add_avx512_int8_kernels(table);
    add_avx512_grouped_q4_k_kernels(table);
    add_avx512_grouped_q5_0_kernels(table);
    table.types[static_cast<uint32_t>(GgmlType::MXFP4)] = *mxfp4_avx512_kernels();
    return table;
}

}  // namespace

const KernelTable* avx512_kernels() {
    static const KernelTable table = make_avx512_table();
    return &table;
}

}  // namespace moe::quant::detail

#else

namespace moe::quant::detail {
const KernelTable* avx512_kernels() { return nullptr; }
}  // namespace moe::quant::detail

#endif
