// rms_norm, softmax, SwiGLU and RoPE (plain and YaRN) against values worked out by hand and
// against plain double-precision versions of their formulas.
#include "ops/ops.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>
#include <vector>

namespace moe::ops {
namespace {

TEST(RmsNorm, HandWorkedRow) {
    // mean(3², 4²) = 12.5, 1/√12.5 = 0.28284271; times gains 1 and 2.
    const float x[2] = {3, 4}, gain[2] = {1, 2};
    float y[2];
    rms_norm(x, gain, y, 2, 0.0f);
    EXPECT_NEAR(y[0], 0.84852814f, 1e-6f);
    EXPECT_NEAR(y[1], 2.26274170f, 1e-6f);
    // eps joins the mean: 1/√(12.5 + 3.5) = 0.25.
    rms_norm(x, gain, y, 2, 3.5f);
    EXPECT_FLOAT_EQ(y[0], 0.75f);
    EXPECT_FLOAT_EQ(y[1], 2.0f);
}

TEST(RmsNorm, MatchesDoublePrecisionAndMayWorkInPlace) {
    std::mt19937 rng(11);
    std::normal_distribution<float> dist(0.0f, 3.0f);
    for (int n : {1, 7, 64, 2048, 7168}) {
        std::vector<float> x(n), gain(n);
        for (int i = 0; i < n; ++i) x[i] = dist(rng), gain[i] = 1.0f + 0.1f * dist(rng);
        double sum = 0.0;
        for (float v : x) sum += static_cast<double>(v) * v;
        const double scale = 1.0 / std::sqrt(sum / n + 1e-6);
        std::vector<float> y(x);
        rms_norm(y.data(), gain.data(), y.data(), n, 1e-6f);
        for (int i = 0; i < n; ++i) {
            const double expected = x[i] * scale * gain[i];
            ASSERT_NEAR(y[i], expected, 1e-6 * std::fabs(expected) + 1e-7) << "n " << n << " i " << i;
        }
    }
}

TEST(Softmax, HandWorkedValues) {
    float x[3] = {1, 2, 3};  // e^k / (e + e² + e³)
    softmax(x, 3);
    EXPECT_NEAR(x[0], 0.09003057f, 1e-7f);
    EXPECT_NEAR(x[1], 0.24472847f, 1e-7f);
    EXPECT_NEAR(x[2], 0.66524096f, 1e-7f);
}

TEST(Softmax, LargeLogitsDoNotOverflowAndMinusInfinityGetsZero) {
    float x[3] = {1000, 1001, -INFINITY};  // 1/(1 + e), e/(1 + e), 0
    softmax(x, 3);
    EXPECT_NEAR(x[0], 0.26894142f, 1e-7f);
    EXPECT_NEAR(x[1], 0.73105858f, 1e-7f);
    EXPECT_EQ(x[2], 0.0f);
}

TEST(Softmax, MatchesDoublePrecisionOnWideRows) {
    std::mt19937 rng(12);
    std::uniform_real_distribution<float> dist(-20.0f, 20.0f);
    for (int n : {2, 17, 256, 4096}) {
        std::vector<float> x(n);
        for (float& v : x) v = dist(rng);
        double max_value = -INFINITY, sum = 0.0;
        for (float v : x) max_value = std::max<double>(max_value, v);
        for (float v : x) sum += std::exp(v - max_value);
        std::vector<float> y(x);
        softmax(y.data(), n);
        for (int i = 0; i < n; ++i) {
            const double expected = std::exp(x[i] - max_value) / sum;
            ASSERT_NEAR(y[i], expected, 1e-6 * expected + 1e-12) << "n " << n << " i " << i;
        }
    }
}

TEST(Swiglu, HandWorkedValues) {
    // silu(g)·u = g/(1 + e^−g)·u: silu(0) = 0, silu(1) = 0.73105858, silu(−1) = −0.26894142.
    const float gate[3] = {0, 1, -1}, up[3] = {5, 2, 3};
    float out[3];
    swiglu(gate, up, out, 3);
    EXPECT_EQ(out[0], 0.0f);
    EXPECT_NEAR(out[1], 1.46211716f, 1e-6f);
    EXPECT_NEAR(out[2], -0.80682426f, 1e-6f);
}

// The vector exponential gives std::exp's floats (glibc on a CPU with FMA), so SwiGLU is bit for
// bit the per-value formula: over 700 values (two whole 256-value chunks and a tail), gates from
// −95 to 95, where e^−g overflows to infinity at one end and underflows at the other.
TEST(Swiglu, EqualsThePerValueFormulaBitForBit) {
    if (!__builtin_cpu_supports("fma")) GTEST_SKIP() << "glibc's expf rounds differently without FMA";
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> wide(-95.0f, 95.0f);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> gate(700), up(700), out(700);
    for (size_t i = 0; i < gate.size(); ++i) {
        gate[i] = i % 2 ? wide(rng) : 3.0f * normal(rng);
        up[i] = normal(rng);
    }
    swiglu(gate.data(), up.data(), out.data(), static_cast<int64_t>(gate.size()));
    for (size_t i = 0; i < gate.size(); ++i) {
        const float expected = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
        EXPECT_EQ(std::bit_cast<uint32_t>(out[i]), std::bit_cast<uint32_t>(expected)) << "gate " << gate[i];
    }
}

TEST(Swiglu, OutputMayAliasTheGate) {
    std::vector<float> gate{2.0f, -3.0f}, up{1.0f, 1.0f};
    swiglu(gate.data(), up.data(), gate.data(), 2);
    EXPECT_NEAR(gate[0], 2.0 / (1.0 + std::exp(-2.0)), 1e-6);
    EXPECT_NEAR(gate[1], -3.0 / (1.0 + std::exp(3.0)), 1e-6);
}

// One head of (1, 0) pairs rotated by θ_i lands on (m·cos θ_i, m·sin θ_i).
void expect_rotated_pairs(const std::vector<float>& v, RopeStyle style, const std::vector<double>& theta, double m) {
    const int pairs = static_cast<int>(theta.size());
    for (int i = 0; i < pairs; ++i) {
        const int a = style == RopeStyle::Norm ? 2 * i : i;
        const int b = style == RopeStyle::Norm ? 2 * i + 1 : i + pairs;
        EXPECT_NEAR(v[a], m * std::cos(theta[i]), 2e-6) << "pair " << i;
        EXPECT_NEAR(v[b], m * std::sin(theta[i]), 2e-6) << "pair " << i;
    }
}

std::vector<float> unit_pairs(RopeStyle style, int pairs, int head_dim) {
    std::vector<float> v(head_dim, 7.0f);  // dims past n_rot must stay 7
    for (int i = 0; i < pairs; ++i) {
        v[style == RopeStyle::Norm ? 2 * i : i] = 1.0f;
        v[style == RopeStyle::Norm ? 2 * i + 1 : i + pairs] = 0.0f;
    }
    return v;
}

TEST(Rope, NormAndNeoxRotateTheirPairsByPositionTimesFrequency) {
    // n_rot 4, base 10000: θ_i = pos · 10000^(−2i/4) = 3·(1, 0.01) at pos 3.
    for (RopeStyle style : {RopeStyle::Norm, RopeStyle::Neox}) {
        RopeConfig config;
        config.style = style;
        config.n_rot = 4;
        const Rope rope(config);
        std::vector<float> v = unit_pairs(style, 2, 6);
        rope.apply(v.data(), 1, 6, 3);
        expect_rotated_pairs(v, style, {3.0, 0.03}, 1.0);
        EXPECT_EQ(v[4], 7.0f);  // partial rotary: the last two dims are left alone
        EXPECT_EQ(v[5], 7.0f);
    }
}

TEST(Rope, EveryHeadGetsTheSameRotation) {
    RopeConfig config;
    config.n_rot = 2;
    config.freq_scale = 0.5f;  // linear scaling without YaRN: θ = 0.5 · pos
    const Rope rope(config);
    std::vector<float> heads{1, 0, 0, 2, 1, 0};  // three heads of 2
    rope.apply(heads.data(), 3, 2, 4);
    const double c = std::cos(2.0), s = std::sin(2.0);
    EXPECT_NEAR(heads[0], c, 1e-6);
    EXPECT_NEAR(heads[1], s, 1e-6);
    EXPECT_NEAR(heads[2], -2 * s, 1e-6);  // (0, 2) rotated
    EXPECT_NEAR(heads[3], 2 * c, 1e-6);
    EXPECT_NEAR(heads[4], c, 1e-6);
    EXPECT_NEAR(heads[5], s, 1e-6);
}

TEST(Rope, PositionZeroIsTheIdentity) {
    RopeConfig config;
    config.n_rot = 8;
    const Rope rope(config);
    std::vector<float> v{1, 2, 3, 4, 5, 6, 7, 8};
    const std::vector<float> before = v;
    rope.apply(v.data(), 1, 8, 0);
    EXPECT_EQ(v, before);
}

TEST(Rope, YarnMixesInterpolatedAndExtrapolatedAnglesAlongItsRamp) {
    // n_rot 8, base 10000, original context 4096, β_fast 32, β_slow 1, scale 1/4, m = 1.2.
    // Correction dims: 8·ln(4096/(2π·32))/(2 ln 10⁴) = 1.309 → floor 1, and
    //                  8·ln(4096/(2π·1))/(2 ln 10⁴) = 2.814 → ceil 3.
    // Ramp (1 − clamp((i − 1)/2, 0, 1)) for pairs 0..3: 1, 1, 0.5, 0.
    // At pos 10, extrapolated angles 10·10⁴^(−i/4) = 10, 1, 0.1, 0.01; interpolated are 1/4 of
    // them; θ = interp·(1 − ramp) + extrap·ramp = 10, 1, 0.0625, 0.0025.
    for (RopeStyle style : {RopeStyle::Norm, RopeStyle::Neox}) {
        RopeConfig config;
        config.style = style;
        config.n_rot = 8;
        config.freq_scale = 0.25f;
        config.yarn = true;
        config.yarn_orig_ctx = 4096;
        config.magnitude = 1.2f;
        const Rope rope(config);
        std::vector<float> v = unit_pairs(style, 4, 8);
        rope.apply(v.data(), 1, 8, 10);
        expect_rotated_pairs(v, style, {10.0, 1.0, 0.0625, 0.0025}, 1.2);
    }
}

TEST(Rope, YarnExtensionFactorZeroIsPlainInterpolation) {
    RopeConfig config;
    config.n_rot = 4;
    config.freq_scale = 0.25f;
    config.yarn = true;
    config.yarn_orig_ctx = 4096;
    config.yarn_ext_factor = 0.0f;  // the ramp is scaled to 0: every pair interpolated
    const Rope rope(config);
    std::vector<float> v = unit_pairs(RopeStyle::Norm, 2, 4);
    rope.apply(v.data(), 1, 4, 8);
    expect_rotated_pairs(v, RopeStyle::Norm, {2.0, 0.02}, 1.0);  // 8·(1, 0.01)/4
}

}  // namespace
}  // namespace moe::ops
