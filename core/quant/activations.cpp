#include "quant/activations.h"

#include <cmath>
#include <limits>

#include "quant/kernel_table.h"
#include "quant/quant.h"

namespace moe::quant {
namespace {

// Rounds half to even, like llama.cpp's SIMD quantizer (_mm256_round_ps) and nearest_int. A NaN
// (only from a non-finite block, whose scale turns NaN anyway) becomes 0 rather than undefined.
// Adding and subtracting 1.5·2^23 rounds |v| < 2^22 to an integer in the default rounding mode,
// as nearbyint does, but inline (nearbyint is a library call per value): bench_kernels'
// quantize_activations went from 1.2 to 1.9 GB/s (Q8_32) and from 1.0 to 1.3 GB/s (Q8_256).
int8_t to_int8(float v) {
    if (!(std::fabs(v) <= 127.0f)) return v > 0.0f ? int8_t{127} : v < 0.0f ? int8_t{-127} : int8_t{0};
    constexpr float kRound = 0x1.8p23f;
    return static_cast<int8_t>((v + kRound) - kRound);
}

// A block holding inf or NaN gets scale NaN, so the outputs turn NaN as in the exact path.
bool all_finite(const float* x, int n) {
    for (int i = 0; i < n; ++i)
        if (!std::isfinite(x[i])) return false;
    return true;
}

// Q8_0: d = absmax/127 stored as F16; the codes use 127/absmax, one division as llama.cpp's x86
// quantizer does (1/(absmax/127) is sometimes an ulp off it, and a code then rounds the other way).
float quantize_block_32(const float* x, int8_t* q) {
    float amax = 0.0f;
    for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(x[i]));
    const float d = amax / 127.0f;
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    for (int i = 0; i < 32; ++i) q[i] = to_int8(x[i] * id);
    return fp16_to_fp32(fp32_to_fp16(d));
}

// Q8_K: the signed value of largest magnitude maps to −127; codes are clamped to 127.
float quantize_block_256(const float* x, int8_t* q) {
    float amax = 0.0f, max = 0.0f;
    for (int i = 0; i < 256; ++i) {
        if (std::fabs(x[i]) > amax) {
            amax = std::fabs(x[i]);
            max = x[i];
        }
    }
    if (amax == 0.0f) {
        std::fill(q, q + 256, int8_t{0});
        return 0.0f;
    }
    const float iscale = -127.0f / max;
    for (int i = 0; i < 256; ++i) q[i] = to_int8(std::min(127.0f, iscale * x[i]));
    return 1.0f / iscale;
}

}  // namespace

ActivationFormat activation_format(GgmlType weight) {
    switch (weight) {
        case GgmlType::Q4_0: case GgmlType::Q4_1: case GgmlType::Q5_0: case GgmlType::Q5_1: case GgmlType::Q8_0:
            return ActivationFormat::Q8_32;
        case GgmlType::Q2_K: case GgmlType::Q3_K: case GgmlType::Q4_K: case GgmlType::Q5_K: case GgmlType::Q6_K:
            return ActivationFormat::Q8_256;
        default:
            return ActivationFormat::F32;
    }
}

int activation_block(ActivationFormat format) { return format == ActivationFormat::Q8_256 ? 256 : 32; }

namespace {

template <int kBlock>
void quantize_reference(const float* x, int64_t n_rows, int64_t cols, int64_t ldx, int8_t* q, float* d,
                        int16_t* sums) {
    const int64_t blocks_per_row = cols / kBlock;
    for (int64_t r = 0; r < n_rows; ++r) {
        for (int64_t b = 0; b < blocks_per_row; ++b) {
            const float* xb = x + r * ldx + b * kBlock;
            int8_t* qb = q + r * cols + b * kBlock;
            float& db = d[r * blocks_per_row + b];
            db = kBlock == 32 ? quantize_block_32(xb, qb) : quantize_block_256(xb, qb);
            if (!all_finite(xb, kBlock)) db = std::numeric_limits<float>::quiet_NaN();
        }
        for (int64_t g = 0; g < cols / 16; ++g) {
            int sum = 0;
            for (int i = 0; i < 16; ++i) sum += q[r * cols + 16 * g + i];
            sums[r * cols / 16 + g] = static_cast<int16_t>(sum);
        }
    }
}

}  // namespace

namespace detail {

void quantize_q8_32_reference(const float* x, int64_t n_rows, int64_t cols, int64_t ldx, int8_t* q, float* d,
                              int16_t* sums) {
    quantize_reference<32>(x, n_rows, cols, ldx, q, d, sums);
}

void quantize_q8_256_reference(const float* x, int64_t n_rows, int64_t cols, int64_t ldx, int8_t* q, float* d,
                               int16_t* sums) {
    quantize_reference<256>(x, n_rows, cols, ldx, q, d, sums);
}

}  // namespace detail

void quantize_activations(ActivationFormat format, const float* x, int64_t n_rows, int64_t cols, int64_t ldx,
                          int8_t* q, float* d, int16_t* sums) {
    const detail::KernelTable& kernels = detail::active_kernels();
    (format == ActivationFormat::Q8_256 ? kernels.quantize_q8_256 : kernels.quantize_q8_32)(x, n_rows, cols, ldx, q,
                                                                                             d, sums);
}

void QuantizedActivations::quantize(ActivationFormat format, const float* x, int64_t n_rows, int64_t cols,
                                    int64_t ldx) {
    reserve(format, n_rows, cols);
    quantize_rows(x, ldx, 0, n_rows);
}

void QuantizedActivations::reserve(ActivationFormat format, int64_t n_rows, int64_t cols) {
    format_ = format;
    cols_ = cols;
    const size_t values = static_cast<size_t>(n_rows * cols);
    q_ = q_buffer_.items<int8_t>(values);
    d_ = d_buffer_.items<float>(values / activation_block(format));
    sums_ = sums_buffer_.items<int16_t>(values / 16);
}

void QuantizedActivations::quantize_rows(const float* x, int64_t ldx, int64_t begin, int64_t end) {
    const int64_t blocks_per_row = cols_ / activation_block(format_);
    quantize_activations(format_, x + begin * ldx, end - begin, cols_, ldx, q_ + begin * cols_,
                         d_ + begin * blocks_per_row, sums_ + begin * cols_ / 16);
}

QuantizedRow QuantizedActivations::row(int64_t i) const {
    const int64_t blocks_per_row = cols_ / activation_block(format_);
    return {q_ + i * cols_, d_ + i * blocks_per_row, sums_ + i * cols_ / 16};
}

std::vector<float> dequantize_activations(ActivationFormat format, const QuantizedRow& row, int64_t n) {
    std::vector<float> out(static_cast<size_t>(n));
    const int block = activation_block(format);
    for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = row.d[i / block] * static_cast<float>(row.q[i]);
    return out;
}

}  // namespace moe::quant
