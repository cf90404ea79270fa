// Round-to-nearest quantizers (F32 -> blocks) for synthetic models and tests.
// Each block is quantized in two steps: integer codes with per-(sub-)block scales chosen from the
// value range (shared by all formats of one family), then packing into the exact byte layout.
// Values that already lie on a block's grid come back exactly.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "quant/block_formats.h"
#include "quant/mxfp4.h"
#include "quant/quant.h"

namespace moe::quant {
namespace {

int round_clamp(float v, int lo, int hi) {
    return std::clamp(static_cast<int>(std::nearbyint(v)), lo, hi);
}

// An F16 scale and the F32 value it decodes to, which the codes must be computed against.
struct HalfScale {
    uint16_t bits;
    float value;
    explicit HalfScale(float v) : bits(fp32_to_fp16(v)), value(fp16_to_fp32(bits)) {}
};

float inverse_or_zero(float v) { return v != 0.0f ? 1.0f / v : 0.0f; }

// The value of largest magnitude, sign kept.
float signed_absmax(const float* x, int n) {
    float best = 0.0f;
    for (int i = 0; i < n; ++i) {
        if (std::fabs(x[i]) > std::fabs(best)) best = x[i];
    }
    return best;
}

// ---- Legacy 32-value blocks ----

// Q4_0/Q5_0: y = d·(u − 2^(bits−1)), u in [0, 2^bits). The largest-magnitude value maps to u = 0.
template <int kBits>
HalfScale codes_offset(const float* x, uint8_t* u) {
    constexpr int kHalf = 1 << (kBits - 1);
    const HalfScale d(signed_absmax(x, kQK) / -static_cast<float>(kHalf));
    const float id = inverse_or_zero(d.value);
    for (int i = 0; i < kQK; ++i) u[i] = static_cast<uint8_t>(round_clamp(x[i] * id, -kHalf, kHalf - 1) + kHalf);
    return d;
}

// Q4_1/Q5_1: y = d·u + m with m the block minimum.
template <int kBits>
void codes_affine(const float* x, uint8_t* u, HalfScale& d, HalfScale& m) {
    constexpr int kMax = (1 << kBits) - 1;
    const auto [lo, hi] = std::minmax_element(x, x + kQK);
    m = HalfScale(*lo);
    d = HalfScale((*hi - *lo) / kMax);
    const float id = inverse_or_zero(d.value);
    for (int i = 0; i < kQK; ++i) u[i] = static_cast<uint8_t>(round_clamp((x[i] - m.value) * id, 0, kMax));
}

// Low nibble = value j, high nibble = value j + 16.
void pack_nibbles(const uint8_t* u, uint8_t qs[16]) {
    for (int j = 0; j < 16; ++j) qs[j] = static_cast<uint8_t>((u[j] & 0xF) | (u[j + 16] & 0xF) << 4);
}

void pack_fifth_bits(const uint8_t* u, uint8_t qh[4]) {
    uint32_t bits = 0;
    for (int j = 0; j < kQK; ++j) bits |= static_cast<uint32_t>(u[j] >> 4) << j;
    for (int i = 0; i < 4; ++i) qh[i] = static_cast<uint8_t>(bits >> (8 * i));
}

void quantize_q4_0(const float* x, BlockQ4_0& b) {
    uint8_t u[kQK];
    b.d = codes_offset<4>(x, u).bits;
    pack_nibbles(u, b.qs);
}

void quantize_q5_0(const float* x, BlockQ5_0& b) {
    uint8_t u[kQK];
    b.d = codes_offset<5>(x, u).bits;
    pack_nibbles(u, b.qs);
    pack_fifth_bits(u, b.qh);
}

void quantize_q4_1(const float* x, BlockQ4_1& b) {
    uint8_t u[kQK];
    HalfScale d(0.0f), m(0.0f);
    codes_affine<4>(x, u, d, m);
    b.d = d.bits;
    b.m = m.bits;
    pack_nibbles(u, b.qs);
}

void quantize_q5_1(const float* x, BlockQ5_1& b) {
    uint8_t u[kQK];
    HalfScale d(0.0f), m(0.0f);
    codes_affine<5>(x, u, d, m);
    b.d = d.bits;
    b.m = m.bits;
    pack_nibbles(u, b.qs);
    pack_fifth_bits(u, b.qh);
}

void quantize_q8_0(const float* x, BlockQ8_0& b) {
    float amax = 0.0f;
    for (int i = 0; i < kQK; ++i) amax = std::max(amax, std::fabs(x[i]));
    const HalfScale d(amax / 127.0f);
    const float id = inverse_or_zero(d.value);
    b.d = d.bits;
    for (int i = 0; i < kQK; ++i) b.qs[i] = static_cast<int8_t>(round_clamp(x[i] * id, -127, 127));
}

// ---- K-quant super-blocks of 256 ----

// Q2_K/Q4_K/Q5_K: sub-block j holds y = (d·sc_j)·u − dmin·m_j with unsigned sc_j, m_j, u.
struct AffineSuperBlock {
    HalfScale d{0.0f}, dmin{0.0f};
    int sc[16] = {}, m[16] = {};
    uint8_t u[kQKK] = {};
};

// The loops have compile-time trip counts (kSubLen is a template argument): GCC 12.2 miscompiles
// loops with run-time counts that store into several arrays of one struct (see kernels_avx2.cpp).
template <int kSubLen>
AffineSuperBlock codes_affine_k(const float* x, int u_max, int scale_max) {
    AffineSuperBlock out;
    constexpr int n_sub = kQKK / kSubLen;
    float scale[16], min[16];
    float max_scale = 0.0f, max_min = 0.0f;
    for (int j = 0; j < n_sub; ++j) {
        const float* xs = x + j * kSubLen;
        const float lo = std::min(0.0f, *std::min_element(xs, xs + kSubLen));  // the min term is >= 0
        const float hi = *std::max_element(xs, xs + kSubLen);
        scale[j] = (hi - lo) / static_cast<float>(u_max);
        min[j] = -lo;
        max_scale = std::max(max_scale, scale[j]);
        max_min = std::max(max_min, min[j]);
    }
    out.d = HalfScale(max_scale / static_cast<float>(scale_max));
    out.dmin = HalfScale(max_min / static_cast<float>(scale_max));
    const float id = inverse_or_zero(out.d.value), idmin = inverse_or_zero(out.dmin.value);
    for (int j = 0; j < n_sub; ++j) {
        // A sub-block with any spread keeps a scale of at least 1 rather than collapsing to its min.
        out.sc[j] = round_clamp(scale[j] * id, scale[j] > 0.0f ? 1 : 0, scale_max);
        out.m[j] = round_clamp(min[j] * idmin, 0, scale_max);
        const float dl = out.d.value * static_cast<float>(out.sc[j]);
        const float ml = out.dmin.value * static_cast<float>(out.m[j]);
        const float idl = inverse_or_zero(dl);
        for (int i = j * kSubLen; i < (j + 1) * kSubLen; ++i) {
            out.u[i] = static_cast<uint8_t>(round_clamp((x[i] + ml) * idl, 0, u_max));
        }
    }
    return out;
}

// Q3_K/Q6_K: sub-block j of 16 holds y = (d·sc_j)·(u − offset) with signed sc_j.
struct SymmetricSuperBlock {
    HalfScale d{0.0f};
    int sc[16] = {};
    uint8_t u[kQKK] = {};
};

SymmetricSuperBlock codes_symmetric_k(const float* x, int offset, int scale_lim) {
    SymmetricSuperBlock out;
    float scale[16];
    for (int j = 0; j < 16; ++j) {
        // The largest-magnitude value maps to the most negative code, as in the legacy formats.
        scale[j] = signed_absmax(x + 16 * j, 16) / -static_cast<float>(offset);
    }
    out.d = HalfScale(signed_absmax(scale, 16) / -static_cast<float>(scale_lim));
    const float id = inverse_or_zero(out.d.value);
    for (int j = 0; j < 16; ++j) {
        out.sc[j] = round_clamp(scale[j] * id, -scale_lim, scale_lim - 1);
        const float idl = inverse_or_zero(out.d.value * static_cast<float>(out.sc[j]));
        for (int i = 16 * j; i < 16 * j + 16; ++i) {
            out.u[i] = static_cast<uint8_t>(round_clamp(x[i] * idl, -offset, offset - 1) + offset);
        }
    }
    return out;
}

// Q2_K/Q3_K: value 128n + 32k + l is the 2-bit field k of qs[32n + l].
void pack_crumbs(const uint8_t* u, uint8_t qs[64]) {
    std::memset(qs, 0, 64);
    for (int n = 0; n < 2; ++n) {
        for (int k = 0; k < 4; ++k) {
            for (int l = 0; l < 32; ++l) qs[32 * n + l] |= static_cast<uint8_t>((u[128 * n + 32 * k + l] & 3) << (2 * k));
        }
    }
}

void quantize_q2_k(const float* x, BlockQ2_K& b) {
    const AffineSuperBlock s = codes_affine_k<16>(x, 3, 15);
    b.d = s.d.bits;
    b.dmin = s.dmin.bits;
    for (int j = 0; j < 16; ++j) b.scales[j] = static_cast<uint8_t>(s.sc[j] | s.m[j] << 4);
    pack_crumbs(s.u, b.qs);
}

void quantize_q3_k(const float* x, BlockQ3_K& b) {
    const SymmetricSuperBlock s = codes_symmetric_k(x, 4, 32);
    b.d = s.d.bits;
    std::memset(b.scales, 0, sizeof b.scales);
    for (int j = 0; j < 16; ++j) {
        const int biased = s.sc[j] + 32;  // 6 bits: low 4 in S[j % 8] (nibble j / 8), high 2 in S[8 + j % 4]
        b.scales[j % 8] |= static_cast<uint8_t>((biased & 0xF) << (4 * (j / 8)));
        b.scales[8 + j % 4] |= static_cast<uint8_t>((biased >> 4) << (2 * (j / 4)));
    }
    pack_crumbs(s.u, b.qs);
    std::memset(b.hmask, 0, sizeof b.hmask);
    for (int n = 0; n < 2; ++n) {
        for (int k = 0; k < 4; ++k) {
            for (int l = 0; l < 32; ++l) {
                b.hmask[l] |= static_cast<uint8_t>((s.u[128 * n + 32 * k + l] >> 2) << (4 * n + k));
            }
        }
    }
}

// Q4_K/Q5_K: inverse of k_scale_min().
void pack_k_scales(const AffineSuperBlock& s, uint8_t out[12]) {
    for (int b = 0; b < 4; ++b) {
        out[b] = static_cast<uint8_t>((s.sc[b] & 63) | (s.sc[b + 4] >> 4) << 6);
        out[b + 4] = static_cast<uint8_t>((s.m[b] & 63) | (s.m[b + 4] >> 4) << 6);
        out[b + 8] = static_cast<uint8_t>((s.sc[b + 4] & 0xF) | (s.m[b + 4] & 0xF) << 4);
    }
}

void quantize_q4_k(const float* x, BlockQ4_K& b) {
    const AffineSuperBlock s = codes_affine_k<32>(x, 15, 63);
    b.d = s.d.bits;
    b.dmin = s.dmin.bits;
    pack_k_scales(s, b.scales);
    for (int c = 0; c < 4; ++c) {
        for (int l = 0; l < 32; ++l) b.qs[32 * c + l] = static_cast<uint8_t>(s.u[64 * c + l] | s.u[64 * c + 32 + l] << 4);
    }
}

void quantize_q5_k(const float* x, BlockQ5_K& b) {
    const AffineSuperBlock s = codes_affine_k<32>(x, 31, 63);
    b.d = s.d.bits;
    b.dmin = s.dmin.bits;
    pack_k_scales(s, b.scales);
    std::memset(b.qh, 0, sizeof b.qh);
    for (int c = 0; c < 4; ++c) {
        for (int l = 0; l < 32; ++l) {
            const uint8_t lo = s.u[64 * c + l], hi = s.u[64 * c + 32 + l];
            b.qs[32 * c + l] = static_cast<uint8_t>((lo & 0xF) | (hi & 0xF) << 4);
            b.qh[l] |= static_cast<uint8_t>((lo >> 4) << (2 * c) | (hi >> 4) << (2 * c + 1));
        }
    }
}

void quantize_q6_k(const float* x, BlockQ6_K& b) {
    const SymmetricSuperBlock s = codes_symmetric_k(x, 32, 128);
    b.d = s.d.bits;
    for (int j = 0; j < 16; ++j) b.scales[j] = static_cast<int8_t>(s.sc[j]);
    for (int n = 0; n < 2; ++n) {
        const uint8_t* u = s.u + 128 * n;
        for (int l = 0; l < 32; ++l) {
            b.ql[64 * n + l] = static_cast<uint8_t>((u[l] & 0xF) | (u[l + 64] & 0xF) << 4);
            b.ql[64 * n + l + 32] = static_cast<uint8_t>((u[l + 32] & 0xF) | (u[l + 96] & 0xF) << 4);
            b.qh[32 * n + l] = static_cast<uint8_t>((u[l] >> 4) | (u[l + 32] >> 4) << 2 | (u[l + 64] >> 4) << 4 |
                                                    (u[l + 96] >> 4) << 6);
        }
    }
}

template <class Block, int kValues>
void quantize_blocks(void (*quantize_block)(const float*, Block&), const float* src, void* dst, int64_t n) {
    auto* out = static_cast<uint8_t*>(dst);
    for (int64_t i = 0; i < n / kValues; ++i) {
        Block block;
        quantize_block(src + i * kValues, block);
        std::memcpy(out + i * sizeof(Block), &block, sizeof(Block));
    }
}

template <uint16_t (*kConvert)(float)>
void quantize_half(const float* src, void* dst, int64_t n) {
    auto* out = static_cast<uint8_t*>(dst);
    for (int64_t i = 0; i < n; ++i) {
        const uint16_t h = kConvert(src[i]);
        std::memcpy(out + 2 * i, &h, 2);
    }
}

}  // namespace

void quantize_row(GgmlType type, const float* src, void* dst, int64_t n) {
    if (!is_supported(type)) throw std::invalid_argument("quantize_row: no quantizer for " + type_name(type));
    (void)row_bytes(type, n);  // rejects n that is not a whole number of blocks
    switch (type) {
        case GgmlType::F32: std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float)); return;
        case GgmlType::F16: quantize_half<fp32_to_fp16>(src, dst, n); return;
        case GgmlType::BF16: quantize_half<fp32_to_bf16>(src, dst, n); return;
        case GgmlType::Q4_0: quantize_blocks<BlockQ4_0, kQK>(quantize_q4_0, src, dst, n); return;
        case GgmlType::Q4_1: quantize_blocks<BlockQ4_1, kQK>(quantize_q4_1, src, dst, n); return;
        case GgmlType::Q5_0: quantize_blocks<BlockQ5_0, kQK>(quantize_q5_0, src, dst, n); return;
        case GgmlType::Q5_1: quantize_blocks<BlockQ5_1, kQK>(quantize_q5_1, src, dst, n); return;
        case GgmlType::Q8_0: quantize_blocks<BlockQ8_0, kQK>(quantize_q8_0, src, dst, n); return;
        case GgmlType::Q2_K: quantize_blocks<BlockQ2_K, kQKK>(quantize_q2_k, src, dst, n); return;
        case GgmlType::Q3_K: quantize_blocks<BlockQ3_K, kQKK>(quantize_q3_k, src, dst, n); return;
        case GgmlType::Q4_K: quantize_blocks<BlockQ4_K, kQKK>(quantize_q4_k, src, dst, n); return;
        case GgmlType::Q5_K: quantize_blocks<BlockQ5_K, kQKK>(quantize_q5_k, src, dst, n); return;
        case GgmlType::Q6_K: quantize_blocks<BlockQ6_K, kQKK>(quantize_q6_k, src, dst, n); return;
        case GgmlType::MXFP4: quantize_row_mxfp4(src, dst, n); return;
        default: break;
    }
    throw std::invalid_argument("quantize_row: no quantizer for " + type_name(type));
}

}  // namespace moe::quant
