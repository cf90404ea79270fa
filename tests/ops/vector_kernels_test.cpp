// Every compiled variant of the vector kernels this CPU runs, against plain double-precision
// loops (the way gemma.cpp's ops_test runs each SIMD target against scalar twins).
#include "ops/vector_kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "ops/ops.h"

namespace moe::ops::detail {
namespace {

const std::vector<int64_t> kSizes = {0, 1, 7, 15, 16, 17, 31, 63, 64, 65, 100, 1000, 4099};

std::vector<float> random_values(int64_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

class VectorKernelsTest : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        for (const VectorKernels* t : runnable_vector_kernels())
            if (GetParam() == t->isa) kernels_ = t;
        if (!kernels_) GTEST_SKIP() << GetParam() << " is not supported by this CPU";
    }
    const VectorKernels* kernels_ = nullptr;
};

TEST_P(VectorKernelsTest, DotOfSmallIntegersIsExact) {
    const float a[3] = {1, 2, 3}, b[3] = {4, 5, 6};
    EXPECT_EQ(kernels_->dot(a, b, 3), 32.0f);
    std::vector<float> ones(40, 1.0f), twos(40, 2.0f);
    EXPECT_EQ(kernels_->dot(ones.data(), twos.data(), 40), 80.0f);  // 16-wide body plus a tail of 8
    EXPECT_EQ(kernels_->dot(ones.data(), twos.data(), 0), 0.0f);
}

TEST_P(VectorKernelsTest, DotMatchesAPlainLoopAtEverySize) {
    for (int64_t n : kSizes) {
        const auto a = random_values(n, 1), b = random_values(n, 2);
        double exact = 0.0, magnitude = 0.0;
        for (int64_t i = 0; i < n; ++i) {
            exact += static_cast<double>(a[i]) * b[i];
            magnitude += std::fabs(static_cast<double>(a[i]) * b[i]);
        }
        // Float sums in 16 lanes, then across lanes, then the tail: no chain of roundings is
        // longer than n/16 + 32 steps of 2⁻²⁴ of the magnitude.
        const double bound = (n / 16.0 + 32.0) * 0x1p-24 * magnitude + 1e-30;
        EXPECT_NEAR(kernels_->dot(a.data(), b.data(), n), exact, bound) << "n " << n;
    }
}

TEST_P(VectorKernelsTest, AxpyMatchesAPlainLoopAtEverySize) {
    const float hand_x[3] = {1, -2, 4};
    float hand_y[3] = {10, 10, 10};
    kernels_->axpy(0.5f, hand_x, hand_y, 3);
    EXPECT_EQ(hand_y[0], 10.5f);
    EXPECT_EQ(hand_y[1], 9.0f);
    EXPECT_EQ(hand_y[2], 12.0f);
    for (int64_t n : kSizes) {
        const auto x = random_values(n + 1, 3);
        auto y = random_values(n + 1, 4);
        const float sentinel = y[n];
        std::vector<double> expected(n), magnitude(n);
        for (int64_t i = 0; i < n; ++i) {
            expected[i] = y[i] + 0.75 * static_cast<double>(x[i]);
            magnitude[i] = std::fabs(y[i]) + 0.75 * std::fabs(x[i]);
        }
        kernels_->axpy(0.75f, x.data(), y.data(), n);
        // One multiply and one add per element: at most two roundings (one if fused).
        for (int64_t i = 0; i < n; ++i) ASSERT_NEAR(y[i], expected[i], 2 * 0x1p-24 * magnitude[i]) << i;
        EXPECT_EQ(y[n], sentinel) << "wrote past n = " << n;
    }
}

TEST_P(VectorKernelsTest, WeightedRowSumsOfHandPickedRows) {
    // Set 0: 2·(1, 2, 3) + (−1)·(10, 20, 30); set 1: 0.5·(1, 2, 3) + 3·(10, 20, 30); rows 4 floats
    // apart, weight sets 3 apart, outputs 5 apart.
    const float rows[8] = {1, 2, 3, 99, 10, 20, 30, 99};
    const float weights[6] = {2, -1, 99, 0.5f, 3, 99};
    float out[10] = {0, 0, 0, 7, 7, 0, 0, 0, 7, 7};
    kernels_->weighted_row_sums(weights, 3, 2, rows, 2, 4, out, 5, 3);
    EXPECT_EQ(out[0], -8.0f);
    EXPECT_EQ(out[1], -16.0f);
    EXPECT_EQ(out[2], -24.0f);
    EXPECT_EQ(out[5], 30.5f);
    EXPECT_EQ(out[6], 61.0f);
    EXPECT_EQ(out[7], 91.5f);
    EXPECT_EQ(out[3], 7.0f);  // past the width
    EXPECT_EQ(out[8], 7.0f);
}

TEST_P(VectorKernelsTest, WeightedRowSumsMatchAPlainLoop) {
    for (int64_t n_sets : {1, 4, 6}) {  // whole groups of four sets, and one and two left over
        for (int64_t width : {1, 5, 64, 65, 130, 512}) {
            for (int64_t n_rows : {0, 1, 3, 40}) {
                const int64_t stride = width + 7, weights_stride = n_rows + 2, out_stride = width + 1;
                const auto rows = random_values(n_rows * stride, 5);
                const auto weights = random_values(n_sets * weights_stride, 6);
                std::vector<float> out(n_sets * out_stride, 123.0f);
                kernels_->weighted_row_sums(weights.data(), weights_stride, n_sets, rows.data(), n_rows, stride, out.data(),
                                            out_stride, width);
                for (int64_t set = 0; set < n_sets; ++set) {
                    for (int64_t c = 0; c < width; ++c) {
                        double exact = 0.0, magnitude = 0.0;
                        for (int64_t j = 0; j < n_rows; ++j) {
                            const double term = static_cast<double>(weights[set * weights_stride + j]) * rows[j * stride + c];
                            exact += term;
                            magnitude += std::fabs(term);
                        }
                        ASSERT_NEAR(out[set * out_stride + c], exact, (n_rows + 1) * 0x1p-24 * magnitude + 1e-30)
                            << "sets " << n_sets << " width " << width << " rows " << n_rows << " set " << set << " column " << c;
                    }
                    EXPECT_EQ(out[set * out_stride + width], 123.0f);
                }
            }
        }
    }
}

TEST_P(VectorKernelsTest, ScaledRowSumOfHandPickedRows) {
    const float first[] = {1.0f, 2.0f, -4.0f}, second[] = {3.0f, 4.0f, 1.0f};
    const float* rows[] = {first, second};
    const double factors[] = {0.5, 2.0};
    float out[4] = {0.0f, 0.0f, 0.0f, 9.0f};
    kernels_->scaled_row_sum(rows, factors, 2, 2.0, out, 3);
    EXPECT_EQ(out[0], 3.25f);  // (0.5·1 + 2·3) / 2
    EXPECT_EQ(out[1], 4.5f);   // (0.5·2 + 2·4) / 2
    EXPECT_EQ(out[2], 0.0f);   // (0.5·−4 + 2·1) / 2
    EXPECT_EQ(out[3], 9.0f);   // past the width
}

// Every ISA must give the plain loop's floats exactly: each product and sum rounded on its own.
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
float plain_scaled_row_sum(const std::vector<std::vector<float>>& rows, const std::vector<double>& factors,
                           double denominator, int64_t c) {
    double acc = 0.0;
    for (size_t k = 0; k < rows.size(); ++k) acc += factors[k] * static_cast<double>(rows[k][c]);
    return static_cast<float>(acc / denominator);
}
#pragma GCC pop_options

TEST_P(VectorKernelsTest, ScaledRowSumMatchesAPlainLoopExactly) {
    for (int64_t n_rows : {1, 2, 9, 64}) {
        for (int64_t width : {1, 7, 8, 9, 64, 130, 512}) {
            std::vector<std::vector<float>> rows;
            std::vector<const float*> pointers;
            std::vector<double> factors;
            for (int64_t k = 0; k < n_rows; ++k) {
                rows.push_back(random_values(width, static_cast<uint32_t>(20 + k)));
                factors.push_back(std::exp(-0.37 * static_cast<double>(k)) / 3.0);  // e^(m_k − M)-like, not exact in binary
            }
            for (const auto& row : rows) pointers.push_back(row.data());
            const double denominator = 1.7 * static_cast<double>(n_rows);
            std::vector<float> out(width + 1, 123.0f);
            kernels_->scaled_row_sum(pointers.data(), factors.data(), n_rows, denominator, out.data(), width);
            for (int64_t c = 0; c < width; ++c)
                ASSERT_EQ(out[c], plain_scaled_row_sum(rows, factors, denominator, c))
                    << "rows " << n_rows << " width " << width << " column " << c;
            EXPECT_EQ(out[width], 123.0f);
        }
    }
}

TEST_P(VectorKernelsTest, ShiftedExpOfHandPickedValues) {
    // e^(x − 2): the floats nearest e^0, e^−0.5, e^−1, e^−10, and a subnormal e^−87.5 and e^−100
    const float x[] = {2.0f, 1.5f, 1.0f, -8.0f, -85.5f, -98.0f, -200.0f, -INFINITY, 100.0f};
    float out[9];
    kernels_->shifted_exp(x, 2.0f, out, 9);
    EXPECT_EQ(out[0], 1.0f);
    EXPECT_EQ(out[1], 0x1.368b3p-1f);  // 0.60653066
    EXPECT_EQ(out[2], 0x1.78b564p-2f);  // 0.36787945
    EXPECT_EQ(out[3], 0x1.7cd79cp-15f);  // 4.5399931e-05
    EXPECT_EQ(out[4], std::bit_cast<float>(0x006cb2bcu));  // 9.9823514e-39, subnormal
    EXPECT_EQ(out[5], 0x1.bp-145f);  // 3.7835059e-44 = 27·2^−149
    EXPECT_EQ(out[6], 0.0f);  // past the underflow bound
    EXPECT_EQ(out[7], 0.0f);
    EXPECT_EQ(out[8], INFINITY);  // e^98 overflows
    const float nan = NAN;
    kernels_->shifted_exp(&nan, 0.0f, out, 1);
    EXPECT_TRUE(std::isnan(out[0]));
}

// Bit for bit the plain loop on every ISA and, on a CPU with FMA (where glibc's expf takes the
// same steps), std::exp itself: every 997th float from −0 down to the underflow bound, where a
// softmax's shifted scores lie, and a stretch of positive ones; in unaligned runs so the vector
// body and its scalar tail both take part. (Checked once for all 1.12e9 such floats.)
TEST_P(VectorKernelsTest, ShiftedExpMatchesThePlainLoopAndStdExp) {
    std::vector<float> values;
    for (uint32_t bits = 0x80000000u; bits < 0xC2D00000u; bits += 997) values.push_back(std::bit_cast<float>(bits));
    for (uint32_t bits = 0x00000000u; bits < 0x42B00000u; bits += 99991) values.push_back(std::bit_cast<float>(bits));
    const bool fma = __builtin_cpu_supports("fma");
    std::vector<float> out(values.size()), plain(values.size());
    const float shift = 0.0f;
    for (size_t begin = 0; begin < values.size(); begin += 1003) {
        const int64_t n = static_cast<int64_t>(std::min<size_t>(1003, values.size() - begin));
        kernels_->shifted_exp(values.data() + begin, shift, out.data() + begin, n);
        baseline_vector_kernels().shifted_exp(values.data() + begin, shift, plain.data() + begin, n);
    }
    for (size_t i = 0; i < values.size(); ++i) {
        ASSERT_EQ(std::bit_cast<uint32_t>(out[i]), std::bit_cast<uint32_t>(plain[i])) << "x " << values[i];
        if (fma) {
            ASSERT_EQ(std::bit_cast<uint32_t>(out[i]), std::bit_cast<uint32_t>(std::exp(values[i]))) << "x " << values[i];
        }
    }
}

INSTANTIATE_TEST_SUITE_P(EachIsa, VectorKernelsTest, ::testing::Values("avx512", "avx2", "baseline"),
                         [](const auto& info) { return info.param; });

TEST(VectorKernelDispatch, TheCpuFeaturesPickTheWidestVariant) {
    const auto tables = runnable_vector_kernels();
    ASSERT_FALSE(tables.empty());
    EXPECT_STREQ(tables.back()->isa, "baseline");
#if defined(__x86_64__)
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
    EXPECT_EQ(tables.size(), 1u + avx2 + avx512);
    EXPECT_STREQ(tables.front()->isa, avx512 ? "avx512" : avx2 ? "avx2" : "baseline");
#endif
    // The public entry points go through the first table: same bits.
    const auto a = random_values(1000, 7), b = random_values(1000, 8);
    EXPECT_EQ(ops::dot(a.data(), b.data(), 1000), tables.front()->dot(a.data(), b.data(), 1000));
}

}  // namespace
}  // namespace moe::ops::detail
