#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/block_formats.h"
#include "quant/mxfp4.h"

namespace moe::quant {
namespace {

// The code whose value (kMxfp4Doubled · half_scale) is nearest to v; the first one on a tie.
uint8_t nearest_code(float v, float half_scale) {
    int best = 0;
    float best_error = std::fabs(v);
    for (int q = 1; q < 16; ++q) {
        const float error = std::fabs(static_cast<float>(kMxfp4Doubled[q]) * half_scale - v);
        if (error < best_error) {
            best = q;
            best_error = error;
        }
    }
    return static_cast<uint8_t>(best);
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
