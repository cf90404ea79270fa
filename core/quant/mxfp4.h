// MXFP4 (ggml type 39, reference §4.3): 32 FP4 E2M1 values sharing one E8M0 power-of-two scale.
// gpt-oss stores its expert weights this way. Shared by the scalar, AVX2 and AVX-512 kernels
// and the quantizer.
#pragma once

#include <bit>
#include <cstdint>

#include "quant/kernel_table.h"

namespace moe::quant {

struct BlockMXFP4 {
    uint8_t e;        // E8M0 exponent: the block scale is 2^(e − 127)
    uint8_t qs[16];   // value j: low nibble of qs[j]; value j+16: high nibble
};
static_assert(sizeof(BlockMXFP4) == 17);

// Twice the E2M1 value of each 4-bit code (sign bit 3; 0, 0.5, 1, 1.5, 2, 3, 4, 6 doubled), so that
// the codes are small integers and the scale absorbs the factor: value = kMxfp4Doubled[q] · 2^(e − 128).
inline constexpr int8_t kMxfp4Doubled[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

namespace {  // internal linkage: also compiled into the AVX2/AVX-512 files (see block_formats.h)

// 2^(e − 128) exactly, as ggml's E8M0 "half" conversion: e = 0 and 1 give the subnormals 2^-128
// and 2^-127. Every value of a block is then a small integer times this power of two, which F32
// holds exactly, so any order of evaluation dequantizes to the same bits.
inline float mxfp4_half_scale(uint8_t e) {
    const uint32_t bits = e < 2 ? 0x00200000u << e : static_cast<uint32_t>(e - 1) << 23;
    return std::bit_cast<float>(bits);
}

inline void block_mxfp4(const BlockMXFP4& b, float* y) {
    const float scale = mxfp4_half_scale(b.e);
    for (int j = 0; j < 16; ++j) {
        y[j] = static_cast<float>(kMxfp4Doubled[b.qs[j] & 0xF]) * scale;
        y[j + 16] = static_cast<float>(kMxfp4Doubled[b.qs[j] >> 4]) * scale;
    }
}

}  // namespace

// F32 -> MXFP4 blocks (n a multiple of 32), as ggml's reference quantizer: the exponent puts the
// block's largest magnitude in the top binade of the code range, each value takes the nearest code.
void quantize_row_mxfp4(const float* src, void* dst, int64_t n);

namespace detail {
// nullptr when this build has no kernels for that instruction set (mxfp4_avx2.cpp, mxfp4_avx512.cpp).
const TypeKernels* mxfp4_avx2_kernels();
const TypeKernels* mxfp4_avx512_kernels();
}  // namespace detail

}  // namespace moe::quant
