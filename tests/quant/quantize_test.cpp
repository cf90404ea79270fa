// quantize_row: error within each format's precision, and exact on values already on a grid.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "quant/quant.h"
#include "quant_test_util.h"

namespace moe::quant::test {
namespace {

std::vector<float> round_trip(GgmlType type, const std::vector<float>& x) {
    const auto n = static_cast<int64_t>(x.size());
    std::vector<uint8_t> bytes(row_bytes(type, n));
    quantize_row(type, x.data(), bytes.data(), n);
    std::vector<float> y(x.size());
    dequantize_row_reference(type, bytes.data(), y.data(), n);
    return y;
}

float half_at(const std::vector<uint8_t>& bytes, size_t offset) {
    return fp16_to_fp32(static_cast<uint16_t>(bytes[offset] | bytes[offset + 1] << 8));
}

TEST(Quantize, Q8_0ErrorIsAtMostHalfAStep) {
    std::mt19937 rng(1);
    const std::vector<float> x = random_floats(32 * 64, rng, 3.0f);
    std::vector<uint8_t> bytes(row_bytes(GgmlType::Q8_0, 32 * 64));
    quantize_row(GgmlType::Q8_0, x.data(), bytes.data(), 32 * 64);
    std::vector<float> y(x.size());
    dequantize_row(GgmlType::Q8_0, bytes.data(), y.data(), 32 * 64);
    for (int b = 0; b < 64; ++b) {
        const float d = half_at(bytes, static_cast<size_t>(34 * b));
        for (int i = 32 * b; i < 32 * b + 32; ++i) ASSERT_LE(std::fabs(y[i] - x[i]), 0.5f * d * (1 + 1e-6f)) << i;
    }
}

TEST(Quantize, LegacyFormatsErrorIsAboutHalfAStep) {
    // Half a step inside the block's range; outside it (Q4_0/Q5_0 reach −8d but only +7d) the
    // value clamps to the nearest end. d is rounded to F16 before the codes are chosen, and
    // Q4_1/Q5_1 also round the minimum, so allow those roundings too.
    struct Case {
        GgmlType type;
        int lowest, highest;  // code range relative to the offset
    };
    const Case cases[] = {{GgmlType::Q4_0, -8, 7}, {GgmlType::Q5_0, -16, 15}, {GgmlType::Q4_1, 0, 15}, {GgmlType::Q5_1, 0, 31}};
    std::mt19937 rng(2);
    const std::vector<float> x = random_floats(32 * 64, rng);
    for (const Case& c : cases) {
        std::vector<uint8_t> bytes(row_bytes(c.type, 32 * 64));
        quantize_row(c.type, x.data(), bytes.data(), 32 * 64);
        std::vector<float> y(x.size());
        dequantize_row(c.type, bytes.data(), y.data(), 32 * 64);
        const bool has_min = c.lowest == 0;
        for (int b = 0; b < 64; ++b) {
            const size_t at = static_cast<size_t>(b * block_bytes(c.type));
            const float d = half_at(bytes, at);
            const float m = has_min ? half_at(bytes, at + 2) : 0.0f;
            const float end_a = d * static_cast<float>(c.lowest) + m, end_b = d * static_cast<float>(c.highest) + m;
            const float slack = 0x1p-10f * (std::fabs(m) + 32 * std::fabs(d));
            for (int i = 32 * b; i < 32 * b + 32; ++i) {
                const float clamped = std::clamp(x[i], std::min(end_a, end_b), std::max(end_a, end_b));
                ASSERT_LE(std::fabs(y[i] - x[i]), std::fabs(x[i] - clamped) + 0.5f * std::fabs(d) + slack)
                    << type_name(c.type) << " " << i;
            }
        }
    }
}

TEST(Quantize, RelativeErrorMatchesBitsPerWeight) {
    // RMS error / RMS value on Gaussian data; roughly halves with every extra bit.
    struct Case {
        GgmlType type;
        double max_relative_rms;
    };
    const Case cases[] = {{GgmlType::F32, 0.0},      {GgmlType::F16, 3e-4},     {GgmlType::BF16, 3e-3},
                          {GgmlType::Q8_0, 0.006},   {GgmlType::Q6_K, 0.02},    {GgmlType::Q5_0, 0.05},
                          {GgmlType::Q5_1, 0.05},    {GgmlType::Q5_K, 0.05},    {GgmlType::Q4_0, 0.1},
                          {GgmlType::Q4_1, 0.1},     {GgmlType::Q4_K, 0.1},     {GgmlType::Q3_K, 0.25},
                          {GgmlType::Q2_K, 0.5}};
    std::mt19937 rng(3);
    const std::vector<float> x = random_floats(256 * 32, rng, 0.02f);
    for (const Case& c : cases) {
        const std::vector<float> y = round_trip(c.type, x);
        double err = 0.0, ref = 0.0;
        for (size_t i = 0; i < x.size(); ++i) {
            err += (static_cast<double>(y[i]) - x[i]) * (static_cast<double>(y[i]) - x[i]);
            ref += static_cast<double>(x[i]) * x[i];
        }
        const double relative = std::sqrt(err / ref);
        EXPECT_LE(relative, c.max_relative_rms) << type_name(c.type);
        RecordProperty(type_name(c.type) + "_relative_rms", std::to_string(relative));
    }
}

TEST(Quantize, ZerosStayZero) {
    const std::vector<float> zeros(512, 0.0f);
    for (GgmlType type : all_types()) {
        for (float v : round_trip(type, zeros)) ASSERT_EQ(v, 0.0f) << type_name(type);
    }
}

TEST(Quantize, RejectsPartialBlocks) {
    const std::vector<float> x(300, 1.0f);
    std::vector<uint8_t> out(1024);
    EXPECT_THROW(quantize_row(GgmlType::Q4_K, x.data(), out.data(), 300), std::invalid_argument);
    EXPECT_THROW(quantize_row(GgmlType::Q8_0, x.data(), out.data(), 40), std::invalid_argument);
    EXPECT_THROW(quantize_row(GgmlType::IQ4_NL, x.data(), out.data(), 32), std::invalid_argument);
}

// ---- Values on a grid come back exactly ----

TEST(Quantize, Mxfp4GridValuesAreExact) {
    // Block b: E2M1 values (0, ±0.5 … ±6) times 2^(b − 4), with 6 present so that the exponent
    // puts the largest magnitude at the top code.
    const float e2m1[] = {0, 0.5f, 1, 1.5f, 2, 3, 4, 6};
    std::mt19937 rng(6);
    std::vector<float> x(32 * 8);
    for (int b = 0; b < 8; ++b) {
        for (int i = 0; i < 32; ++i) {
            const float v = i == 0 ? 6.0f : e2m1[rng() % 8] * (rng() & 1 ? -1.0f : 1.0f);
            x[32 * b + i] = std::ldexp(v, b - 4);
        }
    }
    EXPECT_EQ(round_trip(GgmlType::MXFP4, x), x);
    // Off the grid: 5 lies between 4 and 6 and takes the first of the two (4); 7 clamps to 6.
    std::vector<float> y(32, 0.0f);
    y[0] = 7.0f;
    y[1] = 5.0f;
    y[2] = -5.5f;
    const std::vector<float> back = round_trip(GgmlType::MXFP4, y);
    EXPECT_EQ(back[0], 6.0f);
    EXPECT_EQ(back[1], 4.0f);
    EXPECT_EQ(back[2], -6.0f);
}

// Legacy blocks: y = d·(u − offset) + m, with the grid's extreme codes present so the quantizer
// recovers d and m exactly (power-of-two d, F16-exact m).
struct LegacyGrid {
    GgmlType type;
    int u_max;
    int offset;
    float m;
};

TEST(Quantize, LegacyGridValuesAreExact) {
    const LegacyGrid grids[] = {{GgmlType::Q8_0, 254, 127, 0.0f},
                                {GgmlType::Q4_0, 15, 8, 0.0f},
                                {GgmlType::Q5_0, 31, 16, 0.0f},
                                {GgmlType::Q4_1, 15, 0, -0.75f},
                                {GgmlType::Q5_1, 31, 0, 0.375f}};
    std::mt19937 rng(4);
    for (const LegacyGrid& g : grids) {
        std::vector<float> x(32 * 8);
        for (int b = 0; b < 8; ++b) {
            const float d = std::ldexp(1.0f, -3 - b);
            std::uniform_int_distribution<int> code(0, g.u_max);
            for (int i = 0; i < 32; ++i) {
                // Q8_0's codes are symmetric: 0 stands for −127, the largest magnitude.
                const int u = i == 0 ? 0 : i == 1 ? g.u_max : code(rng);
                x[32 * b + i] = d * static_cast<float>(u - g.offset) + g.m;
            }
        }
        EXPECT_EQ(round_trip(g.type, x), x) << type_name(g.type);
    }
}

// K-quant super-blocks: y = (d·s_j)·(u − offset) − dmin·m_j per sub-block j, with every sub-block
// using its extreme codes and the largest scale/min at its limit.
struct KGrid {
    GgmlType type;
    int sub_len;
    int u_max;
    int offset;     // 0 for the affine formats
    int scale_lo;   // scale range; the symmetric formats put scale_lo in one sub-block
    int scale_hi;
    int min_max;    // 0 for the symmetric formats
};

TEST(Quantize, KQuantGridValuesAreExact) {
    const KGrid grids[] = {{GgmlType::Q2_K, 16, 3, 0, 1, 15, 15},
                           {GgmlType::Q4_K, 32, 15, 0, 1, 63, 63},
                           {GgmlType::Q5_K, 32, 31, 0, 1, 63, 63},
                           {GgmlType::Q3_K, 16, 7, 4, -32, 31, 0},
                           {GgmlType::Q6_K, 16, 63, 32, -128, 127, 0}};
    std::mt19937 rng(5);
    for (const KGrid& g : grids) {
        const float d = 0x1p-12f, dmin = 0x1p-10f;
        std::vector<float> x(256 * 4);
        for (int sb = 0; sb < 4; ++sb) {
            const int n_sub = 256 / g.sub_len;
            std::uniform_int_distribution<int> scale_dist(g.scale_lo, g.scale_hi), min_dist(0, g.min_max),
                code(0, g.u_max);
            for (int j = 0; j < n_sub; ++j) {
                int s = scale_dist(rng);
                if (s == 0) s = 1;                                    // a zero scale has no grid to recover
                if (j == sb % n_sub) s = g.offset ? g.scale_lo : g.scale_hi;  // the super-block's extreme
                const int m = j == 0 ? g.min_max : min_dist(rng);
                const float dl = d * static_cast<float>(s), ml = dmin * static_cast<float>(m);
                for (int i = 0; i < g.sub_len; ++i) {
                    const int u = i == 0 ? 0 : i == 1 ? g.u_max : code(rng);
                    x[static_cast<size_t>(256 * sb + j * g.sub_len + i)] = dl * static_cast<float>(u - g.offset) - ml;
                }
            }
        }
        EXPECT_EQ(round_trip(g.type, x), x) << type_name(g.type);
    }
}

}  // namespace
}  // namespace moe::quant::test
