#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/block_formats.h"
#include "quant/mxfp4.h"

namespace moe::quant {
namespace {

// The code whose value (kMxfp4Doubled · half_scale) is nearest to v; on a tie the lower code,
// so +0 (code 0) rather than −0 (code 8). The magnitudes 0, 1, 2, 3, 4, 6, 8, 12 have their
// midpoints at 0.5, 1.5, 2.5, 3.5, 5, 7, 10: the magnitude's index is how many lie below |v|.
uint8_t nearest_code(float v, float half_scale) {
    constexpr float kMidpoints[7] = {0.5f, 1.5f, 2.5f, 3.5f, 5.0f, 7.0f, 10.0f};
    const float t = std::fabs(v) / half_scale;  // exact: half_scale is a power of two
    int index = 0;
    for (float m : kMidpoints) index += t > m;
    return static_cast<uint8_t>(v < 0.0f && index > 0 ? 8 + index : index);
}

BlockMXFP4 quantize_block(const float* x) {
    float amax = 0.0f;
    for (int i = 0; i < kQK; ++i) amax = std::max(amax, std::fabs(x[i]));
    BlockMXFP4 b{};
    // amax / 2^(e − 127) lands in [4, 8): the top binade of E2M1 (4 and 6), as ggml chooses it.
    b.e = amax > 0.0f ? static_cast<uint8_t>(std::clamp(std::ilogb(amax) - 2 + 127, 0, 254)) : 0;
    const float half_scale = mxfp4_half_scale(b.e);
    for (int j = 0; j < 16; ++j) {
        b.qs[j] = static_cast<uint8_t>(nearest_code(x[j], half_scale) | nearest_code(x[j + 16], half_scale) << 4);
    }
    return b;
}

}  // namespace

void quantize_row_mxfp4(const float* src, void* dst, int64_t n) {
    auto* out = static_cast<uint8_t*>(dst);
    for (int64_t i = 0; i < n / kQK; ++i) {
        const BlockMXFP4 b = quantize_block(src + i * kQK);
        std::memcpy(out + i * sizeof b, &b, sizeof b);
    }
}

}  // namespace moe::quant
