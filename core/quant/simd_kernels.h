// SIMD kernels shared by the AVX2 and AVX-512 translation units (x86 only).
//
// Each block format has a decoder that unpacks one block into signed int8 quants plus one
// (scale, min) pair per 16 values, so every value is `scale · q − min`. The decoders use 256-bit
// integer instructions, present in both instruction sets. The float side is written once over a
// vector policy `V` (kernels_avx2.cpp / kernels_avx512.cpp define it), which expands the int8
// quants to F32 in registers and either stores them (dequantize) or multiplies them into x (dot).
//
// Everything here has internal linkage: each including file gets its own copy compiled for its
// own instruction set, so the linker can never mix the two.
#pragma once

#if !defined(__AVX2__) || !defined(__F16C__) || !defined(__FMA__)
#error "simd_kernels.h must be compiled with -mavx2 -mfma -mf16c"
#endif

#include <immintrin.h>

#include <cstddef>
#include <cstring>
#include <type_traits>

#include "quant/block_formats.h"
#include "quant/kernel_table.h"
#include "quant/quant.h"
#include "quant/simd_activations.h"

namespace moe::quant::detail {
namespace {

constexpr int kGroup = 16;  // values sharing one (scale, min)

// Prefetches the cache lines of [p, p + kBytes) shifted kPrefetchDistance ahead (past the end of
// a row is fine: the next row follows, and a prefetch never faults). kBytes is a template
// argument so the loop unrolls into a few prefetch instructions.
template <size_t kBytes>
inline void prefetch_ahead(const void* p) {
    const uintptr_t start = reinterpret_cast<uintptr_t>(p) + kPrefetchDistance;
    for (uintptr_t offset = 0; offset < kBytes; offset += 64) {
        _mm_prefetch(reinterpret_cast<const char*>(start + offset), _MM_HINT_T1);
    }
}

inline float half(uint16_t h) { return _cvtsh_ss(h); }

inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
inline void store256(int8_t* q, __m256i v) { _mm256_store_si256(reinterpret_cast<__m256i*>(q), v); }

// 16 packed bytes -> 32 values: low nibbles (values 0..15) then high nibbles (values 16..31).
inline __m256i split_nibbles(const uint8_t* qs) {
    const __m256i both = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs)));
    const __m256i low_then_high = _mm256_blend_epi32(both, _mm256_srli_epi16(both, 4), 0xF0);
    return _mm256_and_si256(low_then_high, _mm256_set1_epi8(0x0F));
}

// 32 bits -> 32 bytes, byte i = `value` if bit i is set, else 0.
inline __m256i expand_bits(uint32_t bits, char value) {
#if defined(__AVX512BW__) && defined(__AVX512VL__)
    return _mm256_maskz_mov_epi8(bits, _mm256_set1_epi8(value));  // the bits are a byte mask as is
#else
    const __m256i byte_of_bit = _mm256_setr_epi64x(0, 0x0101010101010101, 0x0202020202020202,
                                                   0x0303030303030303);
    const __m256i bit_in_byte = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ull));
    const __m256i spread = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)), byte_of_bit);
    const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit_in_byte), bit_in_byte);
    return _mm256_and_si256(set, _mm256_set1_epi8(value));
#endif
}

// Bytes of `v` that have `bit` set -> `value`, else 0.
inline __m256i test_bit(__m256i v, int bit, char value) {
    const __m256i mask = _mm256_set1_epi8(static_cast<char>(1 << bit));
#if defined(__AVX512BW__) && defined(__AVX512VL__)
    return _mm256_maskz_mov_epi8(_mm256_test_epi8_mask(v, mask), _mm256_set1_epi8(value));
#else
    return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(v, mask), mask), _mm256_set1_epi8(value));
#endif
}

// The 2-bit field at `shift` of every byte.
inline __m256i crumbs(__m256i v, int shift) {
    return _mm256_and_si256(_mm256_srli_epi16(v, shift), _mm256_set1_epi8(3));
}

// 16 int8 factors (sign-extended) -> floats: the first 8 times d_first to out_first, the last 8
// times d_last to out_last.
inline void store_scaled(__m128i factors, float d_first, float d_last, float* out_first, float* out_last) {
    const __m256 first = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(factors));
    const __m256 last = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_unpackhi_epi64(factors, factors)));
    _mm256_storeu_ps(out_first, _mm256_mul_ps(_mm256_set1_ps(d_first), first));
    _mm256_storeu_ps(out_last, _mm256_mul_ps(_mm256_set1_ps(d_last), last));
}

// 16 int8 factors times d -> 16 floats.
inline void store_scaled(__m128i factors, float d, float* out) { store_scaled(factors, d, d, out, out + 8); }

inline __m128i load128(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }

// ---- Block decoders: q[kValues], scale/min[kValues / kSpan] (kSpan values share a scale). ----

struct FormatQ4_0 {
    using Block = BlockQ4_0;
    static constexpr int kValues = kQK;
    static constexpr int kSpan = kQK;
    static constexpr bool kHasMin = false;
    static void decode(const Block& b, int8_t* q, float* scale, float*) {
        store256(q, _mm256_sub_epi8(split_nibbles(b.qs), _mm256_set1_epi8(8)));
        scale[0] = half(b.d);
    }
};

struct FormatQ4_1 {
    using Block = BlockQ4_1;
    static constexpr int kValues = kQK;
    static constexpr int kSpan = kQK;
    static constexpr bool kHasMin = true;
    static void decode(const Block& b, int8_t* q, float* scale, float* min) {
        store256(q, split_nibbles(b.qs));
        scale[0] = half(b.d);
        min[0] = -half(b.m);  // y = d·q + m = d·q − (−m), exactly
    }
};

inline __m256i five_bit_quants(const uint8_t* qs, const uint8_t* qh) {
    return _mm256_or_si256(split_nibbles(qs), expand_bits(load_qh32(qh), 0x10));
}

struct FormatQ5_0 {
    using Block = BlockQ5_0;
    static constexpr int kValues = kQK;
    static constexpr int kSpan = kQK;
    static constexpr bool kHasMin = false;
    static void decode(const Block& b, int8_t* q, float* scale, float*) {
        store256(q, _mm256_sub_epi8(five_bit_quants(b.qs, b.qh), _mm256_set1_epi8(16)));
        scale[0] = half(b.d);
    }
};

struct FormatQ5_1 {
    using Block = BlockQ5_1;
    static constexpr int kValues = kQK;
    static constexpr int kSpan = kQK;
    static constexpr bool kHasMin = true;
    static void decode(const Block& b, int8_t* q, float* scale, float* min) {
        store256(q, five_bit_quants(b.qs, b.qh));
        scale[0] = half(b.d);
        min[0] = -half(b.m);
    }
};

struct FormatQ8_0 {
    using Block = BlockQ8_0;
    static constexpr int kValues = kQK;
    static constexpr int kSpan = kQK;
    static constexpr bool kHasMin = false;
    static void decode(const Block& b, int8_t* q, float* scale, float*) {
        store256(q, load256(b.qs));
        scale[0] = half(b.d);
    }
};

// Q3_K: the 16 signed 6-bit scales (q3k_scale) as int8: low 4 bits from the nibbles of bytes 0-7
// (low nibbles first), high 2 bits from the 2-bit fields of bytes 8-11.
inline __m128i q3k_scales(const uint8_t s[12]) {
    uint64_t nibbles;
    uint32_t highs;
    std::memcpy(&nibbles, s, 8);
    std::memcpy(&highs, s + 8, 4);
    const uint64_t low4 = 0x0F0F0F0F0F0F0F0Full;
    const uint32_t low2 = 0x03030303u;
    const __m128i low = _mm_set_epi64x(static_cast<int64_t>((nibbles >> 4) & low4), static_cast<int64_t>(nibbles & low4));
    const __m128i high = _mm_set_epi32(static_cast<int>((highs >> 6) & low2), static_cast<int>((highs >> 4) & low2),
                                       static_cast<int>((highs >> 2) & low2), static_cast<int>(highs & low2));
    return _mm_sub_epi8(_mm_or_si128(low, _mm_slli_epi16(high, 4)), _mm_set1_epi8(32));
}

// Q2_K/Q3_K order: output 128n + 32k + l takes the 2-bit field k of qs[32n + l].
struct FormatQ2_K {
    using Block = BlockQ2_K;
    static constexpr int kValues = kQKK;
    static constexpr int kSpan = 16;
    static constexpr bool kHasMin = true;
    static void decode(const Block& b, int8_t* q, float* scale, float* min) {
        for (int n = 0; n < 2; ++n) {
            const __m256i packed = load256(b.qs + 32 * n);
            for (int k = 0; k < 4; ++k) store256(q + 128 * n + 32 * k, crumbs(packed, 2 * k));
        }
        const __m128i packed_scales = load128(b.scales);
        const __m128i low = _mm_set1_epi8(0x0F);
        store_scaled(_mm_and_si128(packed_scales, low), half(b.d), scale);
        store_scaled(_mm_and_si128(_mm_srli_epi16(packed_scales, 4), low), half(b.dmin), min);
    }
};

struct FormatQ3_K {
    using Block = BlockQ3_K;
    static constexpr int kValues = kQKK;
    static constexpr int kSpan = 16;
    static constexpr bool kHasMin = false;
    static void decode(const Block& b, int8_t* q, float* scale, float*) {
        const __m256i hmask = load256(b.hmask);
        const __m256i four = _mm256_set1_epi8(4);
        for (int n = 0; n < 2; ++n) {
            const __m256i packed = load256(b.qs + 32 * n);
            for (int k = 0; k < 4; ++k) {
                // q2 − 4 where the high bit is clear
                const __m256i offset = _mm256_xor_si256(test_bit(hmask, 4 * n + k, 4), four);
                store256(q + 128 * n + 32 * k, _mm256_sub_epi8(crumbs(packed, 2 * k), offset));
            }
        }
        store_scaled(q3k_scales(b.scales), half(b.d), scale);
    }
};

// Q4_K/Q5_K: the 6-bit scales and mins of the eight sub-blocks of 32 (k_scale_min) as 16 bytes,
// scales 0-7 then mins 0-7. Bytes 0-7 of the 12 hold scales/mins 0-3 in their low 6 bits and the
// top 2 bits of scales/mins 4-7 in their top 2 bits; the low 4 bits of those are the nibbles of
// bytes 8-11 (low nibbles: scales, high: mins). Byte shuffles and masks: unpacked on 64-bit words
// instead, this took about a third of the instructions of a decode's 512-bit Q4_K dot.
template <class Block>
[[gnu::always_inline]] inline __m128i k_scales_then_mins(const Block& b) {
    static_assert(offsetof(Block, scales) + 16 <= sizeof(Block), "the 16-byte load stays inside the block");
    const __m128i bytes = load128(b.scales);
    // [bytes 0-3 (scales 0-3), 8-11 (nibbles of 4-7), 4-7 (mins 0-3), 8-11]
    const __m128i spread = _mm_shuffle_epi8(bytes, _mm_setr_epi8(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 8, 9, 10, 11));
    const __m128i low_bits = _mm_or_si128(_mm_and_si128(spread, _mm_setr_epi32(0x3F3F3F3F, 0x0F0F0F0F, 0x3F3F3F3F, 0)),
                                          _mm_and_si128(_mm_srli_epi16(spread, 4), _mm_setr_epi32(0, 0, 0, 0x0F0F0F0F)));
    // bytes 0-3 under scales 4-7 and 4-7 under mins 4-7, their top 2 bits moved to bits 4-5
    const __m128i tops = _mm_shuffle_epi8(bytes, _mm_setr_epi8(-1, -1, -1, -1, 0, 1, 2, 3, -1, -1, -1, -1, 4, 5, 6, 7));
    return _mm_or_si128(low_bits, _mm_and_si128(_mm_srli_epi16(tops, 2), _mm_set1_epi8(0x30)));
}

// d·scale of each sub-block to scale[0..7], dmin·min to min[0..7].
template <class Block>
[[gnu::always_inline]] inline void k_scales_mins(const Block& b, float* scale, float* min) {
    store_scaled(k_scales_then_mins(b), half(b.d), half(b.dmin), scale, min);
}

struct FormatQ4_K {
    using Block = BlockQ4_K;
    static constexpr int kValues = kQKK;
    static constexpr int kSpan = 32;
    static constexpr bool kHasMin = true;
    static void decode(const Block& b, int8_t* q, float* scale, float* min) {
        const __m256i mask = _mm256_set1_epi8(0x0F);
        for (int c = 0; c < 4; ++c) {
            const __m256i packed = load256(b.qs + 32 * c);
            store256(q + 64 * c, _mm256_and_si256(packed, mask));
            store256(q + 64 * c + 32, _mm256_and_si256(_mm256_srli_epi16(packed, 4), mask));
        }
        k_scales_mins(b, scale, min);
    }
};

struct FormatQ5_K {
    using Block = BlockQ5_K;
    static constexpr int kValues = kQKK;
    static constexpr int kSpan = 32;
    static constexpr bool kHasMin = true;
    static void decode(const Block& b, int8_t* q, float* scale, float* min) {
        const __m256i mask = _mm256_set1_epi8(0x0F);
        const __m256i qh = load256(b.qh);
        for (int c = 0; c < 4; ++c) {
            const __m256i packed = load256(b.qs + 32 * c);
            const __m256i low = _mm256_and_si256(packed, mask);
            const __m256i high = _mm256_and_si256(_mm256_srli_epi16(packed, 4), mask);
            store256(q + 64 * c, _mm256_or_si256(low, test_bit(qh, 2 * c, 0x10)));
            store256(q + 64 * c + 32, _mm256_or_si256(high, test_bit(qh, 2 * c + 1, 0x10)));
        }
        k_scales_mins(b, scale, min);
    }
};

struct FormatQ6_K {
    using Block = BlockQ6_K;
    static constexpr int kValues = kQKK;
    static constexpr int kSpan = 16;
    static constexpr bool kHasMin = false;
    static void decode(const Block& b, int8_t* q, float* scale, float*) {
        const __m256i mask = _mm256_set1_epi8(0x0F);
        const __m256i high_mask = _mm256_set1_epi8(0x30);
        const __m256i bias = _mm256_set1_epi8(32);
        for (int n = 0; n < 2; ++n) {
            const __m256i ql_a = load256(b.ql + 64 * n);       // ql'[0..31]
            const __m256i ql_b = load256(b.ql + 64 * n + 32);  // ql'[32..63]
            const __m256i qh = load256(b.qh + 32 * n);
            // 2-bit field k of qh, moved to bits 4..5
            const __m256i h0 = _mm256_and_si256(_mm256_slli_epi16(qh, 4), high_mask);
            const __m256i h1 = _mm256_and_si256(_mm256_slli_epi16(qh, 2), high_mask);
            const __m256i h2 = _mm256_and_si256(qh, high_mask);
            const __m256i h3 = _mm256_and_si256(_mm256_srli_epi16(qh, 2), high_mask);
            const __m256i v0 = _mm256_or_si256(_mm256_and_si256(ql_a, mask), h0);
            const __m256i v1 = _mm256_or_si256(_mm256_and_si256(ql_b, mask), h1);
            const __m256i v2 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql_a, 4), mask), h2);
            const __m256i v3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql_b, 4), mask), h3);
            int8_t* out = q + 128 * n;
            store256(out, _mm256_sub_epi8(v0, bias));
            store256(out + 32, _mm256_sub_epi8(v1, bias));
            store256(out + 64, _mm256_sub_epi8(v2, bias));
            store256(out + 96, _mm256_sub_epi8(v3, bias));
        }
        store_scaled(load128(b.scales), half(b.d), scale);
    }
};

// Up to 256 decoded values: the unit the float loops below work on.
struct Decoded {
    alignas(64) int8_t q[kQKK];
    float scale[kQKK / kGroup];
    float min[kQKK / kGroup];
};

// Decodes kCount consecutive blocks (kCount · kValues <= 256).
// kCount is a compile-time constant: a run-time trip count storing into q and scale is the pattern
// GCC 12.2 miscompiles (see the pragma in kernels_avx2.cpp), so we avoid it here as well.
template <class Format, int kCount>
void decode_blocks(const uint8_t* blocks, Decoded& out) {
    using Block = typename Format::Block;
    constexpr int kScales = Format::kValues / Format::kSpan;
    for (int i = 0; i < kCount; ++i) {
        // Rows are byte-aligned; the block structs only need 2-byte alignment, which GGUF's
        // 32-byte aligned tensor data and even block sizes provide.
        const auto& block = *reinterpret_cast<const Block*>(blocks + i * sizeof(Block));
        Format::decode(block, out.q + i * Format::kValues, out.scale + i * kScales, out.min + i * kScales);
    }
}

// Calls chunk(first_block, decoded, n_groups) for every run of decoded blocks of a row: whole
// 256-value chunks, then single leftover 32-value blocks. n_groups is a std::integral_constant,
// so the float loops have compile-time trip counts.
template <class Format, class Chunk>
void for_each_decoded_chunk(const void* src, int64_t n, Chunk&& chunk) {
    constexpr int kBlocksPerChunk = kQKK / Format::kValues;
    using Block = typename Format::Block;
    const auto* row = static_cast<const uint8_t*>(src);
    const int64_t n_blocks = n / Format::kValues;
    Decoded d{};  // zeroed: the compiler cannot see that decode fills what is read
    int64_t first = 0;
    for (; first + kBlocksPerChunk <= n_blocks; first += kBlocksPerChunk) {
        prefetch_ahead<kBlocksPerChunk * sizeof(Block)>(row + first * sizeof(Block));
        decode_blocks<Format, kBlocksPerChunk>(row + first * sizeof(Block), d);
        asm volatile("" ::: "memory");  // the float loop broadcasts scales from memory (free), not registers
        chunk(first, d, std::integral_constant<int, kQKK / kGroup>{});
    }
    for (; first < n_blocks; ++first) {
        decode_blocks<Format, 1>(row + first * sizeof(Block), d);
        chunk(first, d, std::integral_constant<int, Format::kValues / kGroup>{});
    }
}

// Part `part` of the 16 weights of group g: scale·q − min, rounded after the multiply as in the
// reference (dequantize).
template <class V, class Format>
inline typename V::F weights(const Decoded& d, int g, int part) {
    const int s = g * kGroup / Format::kSpan;
    typename V::F w = V::mul(V::from_i8(d.q + g * kGroup + part * V::kWidth), V::set1(d.scale[s]));
    if constexpr (Format::kHasMin) w = V::sub(w, V::set1(d.min[s]));
    return w;
}

// The same weights with a single rounding (one FMA): what dot uses, saving an instruction per
// vector; it differs from the dequantized weight by at most half an ulp.
template <class V, class Format>
inline typename V::F weights_fused(const Decoded& d, int g, int part) {
    const int s = g * kGroup / Format::kSpan;
    const typename V::F q = V::from_i8(d.q + g * kGroup + part * V::kWidth);
    if constexpr (Format::kHasMin) return V::fmsub(q, V::set1(d.scale[s]), V::set1(d.min[s]));
    return V::mul(q, V::set1(d.scale[s]));
}

template <class V, class Format>
void dequantize_quant(const void* src, float* dst, int64_t n) {
    for_each_decoded_chunk<Format>(src, n, [dst](int64_t first, const Decoded& d, auto n_groups) {
        float* out = dst + first * Format::kValues;
        for (int g = 0; g < n_groups; ++g) {
            for (int part = 0; part < kGroup / V::kWidth; ++part) {
                V::store(out + g * kGroup + part * V::kWidth, weights<V, Format>(d, g, part));
            }
        }
    });
}

// Four independent accumulators so consecutive FMAs do not wait on each other.
template <class V>
struct Accumulators {
    typename V::F a[4] = {V::zero(), V::zero(), V::zero(), V::zero()};
    float total() const { return V::reduce(V::add(V::add(a[0], a[1]), V::add(a[2], a[3]))); }
};

template <class V, class Format>
inline void accumulate_group(const Decoded& d, int g, const float* x, typename V::F& acc) {
    for (int part = 0; part < kGroup / V::kWidth; ++part) {
        acc = V::fmadd(weights_fused<V, Format>(d, g, part), V::load(x + g * kGroup + part * V::kWidth), acc);
    }
}

// Formats without a min: s·Σ q·x over each span, one multiply by the scale per span instead of one
// per vector (products are reassociated, so the result differs from dequantize-then-dot only by
// rounding, relative to Σ|w·x|).
template <class V, class Format>
inline void accumulate_span(const Decoded& d, int span, const float* x, typename V::F& acc) {
    const int base = span * Format::kSpan;
    typename V::F p = V::mul(V::from_i8(d.q + base), V::load(x + base));
    for (int part = 1; part < Format::kSpan / V::kWidth; ++part) {
        p = V::fmadd(V::from_i8(d.q + base + part * V::kWidth), V::load(x + base + part * V::kWidth), p);
    }
    acc = V::fmadd(V::set1(d.scale[span]), p, acc);
}

// Calls step(unit, accumulator) for units [0, kUnits) over four accumulators in turn.
template <int kUnits, class V, class Step>
inline void round_robin(Accumulators<V>& acc, Step&& step) {
    for (int u = 0; u < kUnits; ++u) step(u, acc.a[u % 4]);
}

template <class V, class Format>
float dot_quant(const void* row, const float* x, int64_t n) {
    Accumulators<V> acc;
    for_each_decoded_chunk<Format>(row, n, [x, &acc](int64_t first, const Decoded& d, auto n_groups) {
        const float* xc = x + first * Format::kValues;
        if constexpr (Format::kHasMin) {
            round_robin<n_groups>(acc, [&](int g, typename V::F& a) { accumulate_group<V, Format>(d, g, xc, a); });
        } else {
            constexpr int kSpans = n_groups * kGroup / Format::kSpan;
            round_robin<kSpans>(acc, [&](int s, typename V::F& a) { accumulate_span<V, Format>(d, s, xc, a); });
        }
    });
    return acc.total();
}

// ---- Plain float rows: F32, F16 (uint16_t) and BF16 (Bf16), read with V::load_as_f32<Element>. ----

struct Bf16 {
    uint16_t bits;
};

template <class Element>
float element_to_f32(const Element& e) {
    if constexpr (std::is_same_v<Element, float>) return e;
    if constexpr (std::is_same_v<Element, uint16_t>) return fp16_to_fp32(e);
    if constexpr (std::is_same_v<Element, Bf16>) return bf16_to_fp32(e.bits);
}

template <class V, class Element>
void dequantize_plain(const void* src, float* dst, int64_t n) {
    const auto* in = static_cast<const Element*>(src);
    int64_t i = 0;
    for (; i + V::kWidth <= n; i += V::kWidth) V::store(dst + i, V::template load_as_f32<Element>(in + i));
    for (; i < n; ++i) dst[i] = element_to_f32(in[i]);
}

template <class V, class Element>
float dot_plain(const void* row, const float* x, int64_t n) {
    const auto* w = static_cast<const Element*>(row);
    Accumulators<V> acc;
    int64_t i = 0;
    for (; i + 4 * V::kWidth <= n; i += 4 * V::kWidth) {
        prefetch_ahead<4 * V::kWidth * sizeof(Element)>(w + i);
        for (int u = 0; u < 4; ++u) {
            const int64_t k = i + u * V::kWidth;
            acc.a[u] = V::fmadd(V::template load_as_f32<Element>(w + k), V::load(x + k), acc.a[u]);
        }
    }
    for (; i + V::kWidth <= n; i += V::kWidth) {
        acc.a[0] = V::fmadd(V::template load_as_f32<Element>(w + i), V::load(x + i), acc.a[0]);
    }
    float sum = acc.total();
    for (; i < n; ++i) sum += element_to_f32(w[i]) * x[i];
    return sum;
}

// ---- F32 GEMM on expanded weight tiles (matmul). ----

// kRows weight rows × kActs activations, all along the full k = cols.
template <class V, int kRows, int kActs>
void gemm_micro(const float* w, int64_t ldw, int64_t cols, const float* x, int64_t ldx, float* y, int64_t ldy) {
    typename V::F acc[kRows][kActs];
    for (auto& row : acc) {
        for (auto& a : row) a = V::zero();
    }
    int64_t k = 0;
    for (; k + V::kWidth <= cols; k += V::kWidth) {
        typename V::F xv[kActs];
        for (int a = 0; a < kActs; ++a) xv[a] = V::load(x + a * ldx + k);
        for (int r = 0; r < kRows; ++r) {
            const typename V::F wv = V::load(w + r * ldw + k);
            for (int a = 0; a < kActs; ++a) acc[r][a] = V::fmadd(wv, xv[a], acc[r][a]);
        }
    }
    if constexpr (requires(float* out) { V::store_tile_sums(acc, out, ldy); }) {
        if (k == cols) {  // no scalar tail to add after the sums
            V::store_tile_sums(acc, y, ldy);
            return;
        }
    }
    for (int r = 0; r < kRows; ++r) {
        for (int a = 0; a < kActs; ++a) {
            float sum = V::reduce(acc[r][a]);
            for (int64_t t = k; t < cols; ++t) sum += w[r * ldw + t] * x[a * ldx + t];
            y[a * ldy + r] = sum;
        }
    }
}

// All activations of one row band: full micro tiles, then leftover activations one at a time.
template <class V, int kRows>
void gemm_row_band(const float* w, int64_t ldw, int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                   int64_t ldy) {
    int64_t i = 0;
    for (; i + V::kGemmActs <= n; i += V::kGemmActs) {
        gemm_micro<V, kRows, V::kGemmActs>(w, ldw, cols, x + i * ldx, ldx, y + i * ldy, ldy);
    }
    for (; i < n; ++i) gemm_micro<V, kRows, 1>(w, ldw, cols, x + i * ldx, ldx, y + i * ldy, ldy);
}

template <class V>
void gemm(const float* w, int64_t ldw, int64_t n_rows, int64_t cols, const float* x, int64_t ldx, int64_t n,
          float* y, int64_t ldy) {
    int64_t r = 0;
    for (; r + V::kGemmRows <= n_rows; r += V::kGemmRows) {
        gemm_row_band<V, V::kGemmRows>(w + r * ldw, ldw, cols, x, ldx, n, y + r, ldy);
    }
    for (; r < n_rows; ++r) gemm_row_band<V, 1>(w + r * ldw, ldw, cols, x, ldx, n, y + r, ldy);
}

template <class V, class Format>
constexpr TypeKernels quant_kernels() {
    return {dequantize_quant<V, Format>, dot_quant<V, Format>};
}

template <class V, class Element>
constexpr TypeKernels plain_kernels() {
    return {dequantize_plain<V, Element>, dot_plain<V, Element>};
}

template <class V>
KernelTable make_simd_table(const char* isa) {
    KernelTable t;
    t.isa = isa;
    auto set = [&t](GgmlType type, TypeKernels k) { t.types[static_cast<uint32_t>(type)] = k; };
    set(GgmlType::F32, plain_kernels<V, float>());
    set(GgmlType::F16, plain_kernels<V, uint16_t>());
    set(GgmlType::BF16, plain_kernels<V, Bf16>());
    set(GgmlType::Q4_0, quant_kernels<V, FormatQ4_0>());
    set(GgmlType::Q4_1, quant_kernels<V, FormatQ4_1>());
    set(GgmlType::Q5_0, quant_kernels<V, FormatQ5_0>());
    set(GgmlType::Q5_1, quant_kernels<V, FormatQ5_1>());
    set(GgmlType::Q8_0, quant_kernels<V, FormatQ8_0>());
    set(GgmlType::Q2_K, quant_kernels<V, FormatQ2_K>());
    set(GgmlType::Q3_K, quant_kernels<V, FormatQ3_K>());
    set(GgmlType::Q4_K, quant_kernels<V, FormatQ4_K>());
    set(GgmlType::Q5_K, quant_kernels<V, FormatQ5_K>());
    set(GgmlType::Q6_K, quant_kernels<V, FormatQ6_K>());
    t.gemm_f32 = gemm<V>;
    t.quantize_q8_32 = quantize_rows_simd<32, quantize_block_32_simd>;
    t.quantize_q8_256 = quantize_rows_simd<256, quantize_block_256_simd>;
    return t;
}

}  // namespace
}  // namespace moe::quant::detail
