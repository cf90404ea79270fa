// F16 / BF16 conversions against known bit patterns and, where present, the CPU's F16C unit.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include "quant/quant.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace moe::quant {
namespace {

TEST(Fp16, DecodesKnownPatterns) {
    EXPECT_EQ(fp16_to_fp32(0x3C00), 1.0f);
    EXPECT_EQ(fp16_to_fp32(0xC000), -2.0f);
    EXPECT_EQ(fp16_to_fp32(0x3800), 0.5f);
    EXPECT_EQ(fp16_to_fp32(0x3555), 0.333251953125f);
    EXPECT_EQ(fp16_to_fp32(0x7BFF), 65504.0f);         // largest finite
    EXPECT_EQ(fp16_to_fp32(0x0400), std::ldexp(1.0f, -14));  // smallest normal
    EXPECT_EQ(fp16_to_fp32(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
    EXPECT_EQ(fp16_to_fp32(0x03FF), std::ldexp(1023.0f, -24));
    EXPECT_EQ(fp16_to_fp32(0x8001), -std::ldexp(1.0f, -24));
    EXPECT_EQ(std::bit_cast<uint32_t>(fp16_to_fp32(0x0000)), 0u);
    EXPECT_EQ(std::bit_cast<uint32_t>(fp16_to_fp32(0x8000)), 0x80000000u);  // -0 keeps its sign
    EXPECT_EQ(fp16_to_fp32(0x7C00), std::numeric_limits<float>::infinity());
    EXPECT_EQ(fp16_to_fp32(0xFC00), -std::numeric_limits<float>::infinity());
    EXPECT_TRUE(std::isnan(fp16_to_fp32(0x7E00)));
    EXPECT_TRUE(std::isnan(fp16_to_fp32(0xFC01)));
}

TEST(Fp16, EncodesWithRoundToNearestEven) {
    EXPECT_EQ(fp32_to_fp16(1.0f), 0x3C00);
    EXPECT_EQ(fp32_to_fp16(-2.0f), 0xC000);
    EXPECT_EQ(fp32_to_fp16(65504.0f), 0x7BFF);
    EXPECT_EQ(fp32_to_fp16(65519.996f), 0x7BFF);  // just below the halfway point to 65536
    EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7C00);    // tie: the even neighbour is infinity
    EXPECT_EQ(fp32_to_fp16(1e6f), 0x7C00);
    EXPECT_EQ(fp32_to_fp16(-std::numeric_limits<float>::infinity()), 0xFC00);
    const uint16_t nan = fp32_to_fp16(std::numeric_limits<float>::quiet_NaN());
    EXPECT_EQ(nan & 0x7C00, 0x7C00);
    EXPECT_NE(nan & 0x03FF, 0);
    // Ties between neighbours 1 and 1 + 2^-10 (mantissa 0, even) and 1 + 2^-10, 1 + 2^-9 (odd, even).
    EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)), 0x3C00);
    EXPECT_EQ(fp32_to_fp16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02);
    EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)), 0x3C01);
    // Subnormals: units of 2^-24, ties to even.
    EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -24)), 0x0001);
    EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -25)), 0x0000);
    EXPECT_EQ(fp32_to_fp16(std::ldexp(1.5f, -25)), 0x0001);
    EXPECT_EQ(fp32_to_fp16(std::ldexp(3.0f, -25)), 0x0002);
    EXPECT_EQ(fp32_to_fp16(-std::ldexp(1.0f, -30)), 0x8000);
    // 1023.5 units rounds up to 1024 units = the smallest normal.
    EXPECT_EQ(fp32_to_fp16(std::ldexp(2047.0f, -25)), 0x0400);
}

TEST(Fp16, EveryHalfRoundTrips) {
    for (uint32_t h = 0; h < 0x10000; ++h) {
        const float f = fp16_to_fp32(static_cast<uint16_t>(h));
        if (std::isnan(f)) {
            EXPECT_TRUE(std::isnan(fp16_to_fp32(fp32_to_fp16(f)))) << std::hex << h;
        } else {
            ASSERT_EQ(fp32_to_fp16(f), h) << std::hex << h;
        }
    }
}

#if defined(__x86_64__)
__attribute__((target("f16c"))) uint16_t hardware_fp32_to_fp16(float f) {
    return static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT));
}
__attribute__((target("f16c"))) float hardware_fp16_to_fp32(uint16_t h) { return _cvtsh_ss(h); }

TEST(Fp16, MatchesF16cOnRandomFloats) {
    if (!__builtin_cpu_supports("f16c")) GTEST_SKIP() << "no F16C";
    std::mt19937 rng(42);
    for (int i = 0; i < 2000000; ++i) {
        const uint32_t bits = static_cast<uint32_t>(rng());
        const float f = std::bit_cast<float>(bits);
        if (std::isnan(f)) continue;  // payload handling may differ; NaN-ness is tested above
        ASSERT_EQ(fp32_to_fp16(f), hardware_fp32_to_fp16(f)) << std::hex << bits;
    }
    for (uint32_t h = 0; h < 0x10000; ++h) {
        const float expected = hardware_fp16_to_fp32(static_cast<uint16_t>(h));
        if (std::isnan(expected)) continue;
        ASSERT_EQ(std::bit_cast<uint32_t>(fp16_to_fp32(static_cast<uint16_t>(h))), std::bit_cast<uint32_t>(expected));
    }
}
#endif

TEST(Bf16, DecodesAndEncodes) {
    EXPECT_EQ(bf16_to_fp32(0x3F80), 1.0f);
    EXPECT_EQ(bf16_to_fp32(0xC000), -2.0f);
    EXPECT_EQ(bf16_to_fp32(0x4049), 3.140625f);
    EXPECT_EQ(bf16_to_fp32(0x7F80), std::numeric_limits<float>::infinity());
    EXPECT_EQ(fp32_to_bf16(1.0f), 0x3F80);
    EXPECT_EQ(fp32_to_bf16(-2.0f), 0xC000);
    EXPECT_EQ(fp32_to_bf16(3.14159265f), 0x4049);
    // Ties: 1 + 2^-8 lies between 0x3F80 (even) and 0x3F81; 1 + 3·2^-8 between 0x3F81 and 0x3F82 (even).
    EXPECT_EQ(fp32_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3F80);
    EXPECT_EQ(fp32_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3F82);
    EXPECT_EQ(fp32_to_bf16(1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -20)), 0x3F81);
    EXPECT_EQ(fp32_to_bf16(std::numeric_limits<float>::max()), 0x7F80);  // above the last midpoint
    EXPECT_EQ(fp32_to_bf16(-std::numeric_limits<float>::infinity()), 0xFF80);
    const uint16_t nan = fp32_to_bf16(std::numeric_limits<float>::quiet_NaN());
    EXPECT_TRUE(std::isnan(bf16_to_fp32(nan)));
    // A signalling NaN whose payload sits in the dropped bits must not turn into infinity.
    EXPECT_TRUE(std::isnan(bf16_to_fp32(fp32_to_bf16(std::bit_cast<float>(0x7F800001u)))));
}

}  // namespace
}  // namespace moe::quant
