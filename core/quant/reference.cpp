// Scalar reference kernels, written straight from the block formulas of reference §4.2/§4.4.
// Every per-value expression is `scale · q − min_term` with the scale products formed first, in
// the same order the SIMD kernels use, so fast and reference dequantization agree bit for bit.
#include <cstring>

#include "quant/activations.h"
#include "quant/block_formats.h"
#include "quant/kernel_table.h"
#include "quant/mxfp4.h"
#include "quant/quant.h"

namespace moe::quant::detail {
namespace {

float f16(uint16_t h) { return fp16_to_fp32(h); }

void block_q4_0(const BlockQ4_0& b, float* y) {
    const float d = f16(b.d);
    for (int j = 0; j < 16; ++j) {
        y[j] = d * static_cast<float>((b.qs[j] & 0xF) - 8);
        y[j + 16] = d * static_cast<float>((b.qs[j] >> 4) - 8);
    }
}

void block_q4_1(const BlockQ4_1& b, float* y) {
    const float d = f16(b.d), m = f16(b.m);
    for (int j = 0; j < 16; ++j) {
        y[j] = d * static_cast<float>(b.qs[j] & 0xF) + m;
        y[j + 16] = d * static_cast<float>(b.qs[j] >> 4) + m;
    }
}

void block_q5_0(const BlockQ5_0& b, float* y) {
    const float d = f16(b.d);
    const uint32_t qh = load_qh32(b.qh);
    for (int j = 0; j < 16; ++j) {
        const int h0 = (qh >> j) & 1, h1 = (qh >> (j + 16)) & 1;
        y[j] = d * static_cast<float>(((b.qs[j] & 0xF) | h0 << 4) - 16);
        y[j + 16] = d * static_cast<float>(((b.qs[j] >> 4) | h1 << 4) - 16);
    }
}

void block_q5_1(const BlockQ5_1& b, float* y) {
    const float d = f16(b.d), m = f16(b.m);
    const uint32_t qh = load_qh32(b.qh);
    for (int j = 0; j < 16; ++j) {
        const int h0 = (qh >> j) & 1, h1 = (qh >> (j + 16)) & 1;
        y[j] = d * static_cast<float>((b.qs[j] & 0xF) | h0 << 4) + m;
        y[j + 16] = d * static_cast<float>((b.qs[j] >> 4) | h1 << 4) + m;
    }
}

void block_q8_0(const BlockQ8_0& b, float* y) {
    const float d = f16(b.d);
    for (int i = 0; i < 32; ++i) y[i] = d * static_cast<float>(b.qs[i]);
}

void block_q2_k(const BlockQ2_K& b, float* y) {
    const float d = f16(b.d), dmin = f16(b.dmin);
    for (int n = 0; n < 2; ++n) {
        for (int k = 0; k < 4; ++k) {
            for (int l = 0; l < 32; ++l) {
                const int j = 8 * n + 2 * k + (l >= 16);
                const int q2 = (b.qs[32 * n + l] >> (2 * k)) & 3;
                const float dl = d * static_cast<float>(b.scales[j] & 0xF);
                const float ml = dmin * static_cast<float>(b.scales[j] >> 4);
                y[128 * n + 32 * k + l] = dl * static_cast<float>(q2) - ml;
            }
        }
    }
}

void block_q3_k(const BlockQ3_K& b, float* y) {
    const float d = f16(b.d);
    for (int n = 0; n < 2; ++n) {
        for (int k = 0; k < 4; ++k) {
            for (int l = 0; l < 32; ++l) {
                const int j = 8 * n + 2 * k + (l >= 16);
                const int q2 = (b.qs[32 * n + l] >> (2 * k)) & 3;
                const int hbit = (b.hmask[l] >> (4 * n + k)) & 1;
                const float dl = d * static_cast<float>(q3k_scale(b.scales, j));
                y[128 * n + 32 * k + l] = dl * static_cast<float>(q2 - (hbit ? 0 : 4));
            }
        }
    }
}

void block_q4_k(const BlockQ4_K& b, float* y) {
    const float d = f16(b.d), dmin = f16(b.dmin);
    for (int c = 0; c < 4; ++c) {
        int sc_lo, m_lo, sc_hi, m_hi;
        k_scale_min(b.scales, 2 * c, sc_lo, m_lo);
        k_scale_min(b.scales, 2 * c + 1, sc_hi, m_hi);
        const float d_lo = d * static_cast<float>(sc_lo), m_lo_f = dmin * static_cast<float>(m_lo);
        const float d_hi = d * static_cast<float>(sc_hi), m_hi_f = dmin * static_cast<float>(m_hi);
        for (int l = 0; l < 32; ++l) {
            y[64 * c + l] = d_lo * static_cast<float>(b.qs[32 * c + l] & 0xF) - m_lo_f;
            y[64 * c + 32 + l] = d_hi * static_cast<float>(b.qs[32 * c + l] >> 4) - m_hi_f;
        }
    }
}

void block_q5_k(const BlockQ5_K& b, float* y) {
    const float d = f16(b.d), dmin = f16(b.dmin);
    for (int c = 0; c < 4; ++c) {
        int sc_lo, m_lo, sc_hi, m_hi;
        k_scale_min(b.scales, 2 * c, sc_lo, m_lo);
        k_scale_min(b.scales, 2 * c + 1, sc_hi, m_hi);
        const float d_lo = d * static_cast<float>(sc_lo), m_lo_f = dmin * static_cast<float>(m_lo);
        const float d_hi = d * static_cast<float>(sc_hi), m_hi_f = dmin * static_cast<float>(m_hi);
        for (int l = 0; l < 32; ++l) {
            const int q_lo = (b.qs[32 * c + l] & 0xF) + 16 * ((b.qh[l] >> (2 * c)) & 1);
            const int q_hi = (b.qs[32 * c + l] >> 4) + 16 * ((b.qh[l] >> (2 * c + 1)) & 1);
            y[64 * c + l] = d_lo * static_cast<float>(q_lo) - m_lo_f;
            y[64 * c + 32 + l] = d_hi * static_cast<float>(q_hi) - m_hi_f;
        }
    }
}

void block_q6_k(const BlockQ6_K& b, float* y) {
    const float d = f16(b.d);
    for (int n = 0; n < 2; ++n) {
        const uint8_t* ql = b.ql + 64 * n;
        const uint8_t* qh = b.qh + 32 * n;
        const int8_t* sc = b.scales + 8 * n;
        for (int l = 0; l < 32; ++l) {
            const int t = l / 16;
            const int q0 = ((ql[l] & 0xF) | ((qh[l] >> 0) & 3) << 4) - 32;
            const int q1 = ((ql[l + 32] & 0xF) | ((qh[l] >> 2) & 3) << 4) - 32;
            const int q2 = ((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32;
            const int q3 = ((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32;
            y[128 * n + l] = d * static_cast<float>(sc[t]) * static_cast<float>(q0);
            y[128 * n + l + 32] = d * static_cast<float>(sc[t + 2]) * static_cast<float>(q1);
            y[128 * n + l + 64] = d * static_cast<float>(sc[t + 4]) * static_cast<float>(q2);
            y[128 * n + l + 96] = d * static_cast<float>(sc[t + 6]) * static_cast<float>(q3);
        }
    }
}

// Row loop over blocks of one type; `Block` is read with memcpy since rows are byte-aligned.
template <class Block, int kValues, void (*kDecode)(const Block&, float*)>
void dequantize_blocks(const void* src, float* dst, int64_t n) {
    const auto* bytes = static_cast<const uint8_t*>(src);
    for (int64_t i = 0; i < n / kValues; ++i) {
        Block block;
        std::memcpy(&block, bytes + i * sizeof(Block), sizeof(Block));
        kDecode(block, dst + i * kValues);
    }
}

void dequantize_f32(const void* src, float* dst, int64_t n) {
    std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}

template <float (*kConvert)(uint16_t)>
void dequantize_half(const void* src, float* dst, int64_t n) {
    const auto* bytes = static_cast<const uint8_t*>(src);
    for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, bytes + 2 * i, 2);
        dst[i] = kConvert(h);
    }
}

// Dequantizes up to 256 values at a time and sums in double: slow and obviously right.
template <DequantizeFn kDequantize, int kBlockValues, int kBlockBytes>
float dot_via_dequantize(const void* row, const float* x, int64_t n) {
    constexpr int64_t kChunk = kBlockValues == 1 ? 256 : kBlockValues;
    const auto* bytes = static_cast<const uint8_t*>(row);
    float values[kChunk];
    double sum = 0.0;
    for (int64_t i = 0; i < n; i += kChunk) {
        const int64_t count = n - i < kChunk ? n - i : kChunk;
        kDequantize(bytes + i / kBlockValues * kBlockBytes, values, count);
        for (int64_t k = 0; k < count; ++k) sum += static_cast<double>(values[k]) * x[i + k];
    }
    return static_cast<float>(sum);
}

// The same with quantized activations: Σ w·(d·q) in double, the value the integer kernels compute
// up to float rounding.
template <DequantizeFn kDequantize, int kBlockValues, int kBlockBytes>
float dot_q8_via_dequantize(const void* row, const QuantizedRow& x, int64_t n) {
    constexpr int64_t kActivationBlock = kBlockValues == kQKK ? kQKK : kQK;
    const auto* bytes = static_cast<const uint8_t*>(row);
    float values[kBlockValues];
    double sum = 0.0;
    for (int64_t i = 0; i < n; i += kBlockValues) {
        kDequantize(bytes + i / kBlockValues * kBlockBytes, values, kBlockValues);
        for (int64_t k = 0; k < kBlockValues; ++k) {
            sum += static_cast<double>(values[k]) * x.q[i + k] * x.d[(i + k) / kActivationBlock];
        }
    }
    return static_cast<float>(sum);
}

template <DotQ8Fn kDot>
void each_of_four(const void* row, const QuantizedRow* x, int64_t n, float* out) {
    for (int t = 0; t < 4; ++t) out[t] = kDot(row, x[t], n);
}

template <GgmlType kType, DequantizeFn kDequantize, int kBlockValues, int kBlockBytes>
constexpr void add(KernelTable& table) {
    table.types[static_cast<uint32_t>(kType)] = {kDequantize,
                                                 dot_via_dequantize<kDequantize, kBlockValues, kBlockBytes>};
}

template <class Block, int kValues, void (*kDecode)(const Block&, float*)>
void add_blocks(KernelTable& table, GgmlType type) {
    constexpr DequantizeFn dequantize = dequantize_blocks<Block, kValues, kDecode>;
    constexpr int kBytes = static_cast<int>(sizeof(Block));
    constexpr DotQ8Fn dot_q8 = dot_q8_via_dequantize<dequantize, kValues, kBytes>;
    // Integer kernels only where the activations are quantized (MXFP4 keeps F32 activations).
    const bool integer = activation_format(type) != ActivationFormat::F32;
    table.types[static_cast<uint32_t>(type)] = {dequantize, dot_via_dequantize<dequantize, kValues, kBytes>,
                                                integer ? dot_q8 : nullptr, integer ? each_of_four<dot_q8> : nullptr,
                                                integer ? tile_of_rows<each_of_four<dot_q8>> : nullptr};
}

void gemm_reference(const float* w, int64_t ldw, int64_t n_rows, int64_t cols, const float* x, int64_t ldx,
                    int64_t n, float* y, int64_t ldy) {
    for (int64_t i = 0; i < n; ++i) {
        for (int64_t r = 0; r < n_rows; ++r) {
            float sum = 0.0f;
            for (int64_t k = 0; k < cols; ++k) sum += w[r * ldw + k] * x[i * ldx + k];
            y[i * ldy + r] = sum;
        }
    }
}

KernelTable make_reference_table() {
    KernelTable table;
    table.isa = "scalar";
    table.quantize_q8_32 = quantize_q8_32_reference;
    table.quantize_q8_256 = quantize_q8_256_reference;
    add<GgmlType::F32, dequantize_f32, 1, 4>(table);
    add<GgmlType::F16, dequantize_half<fp16_to_fp32>, 1, 2>(table);
    add<GgmlType::BF16, dequantize_half<bf16_to_fp32>, 1, 2>(table);
    add_blocks<BlockQ4_0, kQK, block_q4_0>(table, GgmlType::Q4_0);
    add_blocks<BlockQ4_1, kQK, block_q4_1>(table, GgmlType::Q4_1);
    add_blocks<BlockQ5_0, kQK, block_q5_0>(table, GgmlType::Q5_0);
    add_blocks<BlockQ5_1, kQK, block_q5_1>(table, GgmlType::Q5_1);
    add_blocks<BlockQ8_0, kQK, block_q8_0>(table, GgmlType::Q8_0);
    add_blocks<BlockQ2_K, kQKK, block_q2_k>(table, GgmlType::Q2_K);
    add_blocks<BlockQ3_K, kQKK, block_q3_k>(table, GgmlType::Q3_K);
    add_blocks<BlockQ4_K, kQKK, block_q4_k>(table, GgmlType::Q4_K);
    add_blocks<BlockQ5_K, kQKK, block_q5_k>(table, GgmlType::Q5_K);
    add_blocks<BlockQ6_K, kQKK, block_q6_k>(table, GgmlType::Q6_K);
    add_blocks<BlockMXFP4, kQK, block_mxfp4>(table, GgmlType::MXFP4);
    table.gemm_f32 = gemm_reference;
    return table;
}

}  // namespace

const KernelTable& reference_kernels() {
    static const KernelTable table = make_reference_table();
    return table;
}

}  // namespace moe::quant::detail
