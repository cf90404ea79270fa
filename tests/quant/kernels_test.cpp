// Fast (SIMD) kernels against the scalar reference, for every type and every SIMD level (the
// scalar level's kernels are the reference itself; known_blocks_test checks those by hand).
#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <random>
#include <tuple>

#include "quant/quant.h"
#include "quant_test_util.h"

namespace moe::quant::test {
namespace {

using TypeAndIsa = std::tuple<GgmlType, std::string>;

class KernelTest : public ::testing::TestWithParam<TypeAndIsa> {
protected:
    void SetUp() override {
        scope_ = std::make_unique<IsaScope>(std::get<1>(GetParam()));
        if (!scope_->ok()) GTEST_SKIP() << "CPU lacks " << std::get<1>(GetParam());
        ASSERT_STREQ(active_isa(), std::get<1>(GetParam()).c_str());
    }
    GgmlType type() const { return std::get<0>(GetParam()); }
    // Row lengths: one block, several 256-chunks, and a partial last chunk for 32-value blocks;
    // plain types also get lengths that leave a SIMD tail.
    std::vector<int64_t> lengths() const {
        const int64_t bs = block_size(type());
        if (bs == 1) return {1, 7, 16, 33, 100, 257, 1000};
        if (bs == 32) return {32, 96, 256, 288, 1408};
        return {256, 512, 2048};
    }
    std::unique_ptr<IsaScope> scope_;
};

TEST_P(KernelTest, DequantizeMatchesReferenceBitForBit) {
    std::mt19937 rng(1234);
    for (int64_t n : lengths()) {
        for (int trial = 0; trial < 20; ++trial) {
            const std::vector<uint8_t> row = random_row(type(), n, rng);
            std::vector<float> fast(static_cast<size_t>(n)), reference(static_cast<size_t>(n));
            dequantize_row(type(), row.data(), fast.data(), n);
            dequantize_row_reference(type(), row.data(), reference.data(), n);
            for (int64_t i = 0; i < n; ++i) {
                ASSERT_EQ(std::bit_cast<uint32_t>(fast[i]), std::bit_cast<uint32_t>(reference[i]))
                    << "n=" << n << " trial=" << trial << " i=" << i << ": " << fast[i] << " vs " << reference[i];
            }
        }
    }
}

TEST_P(KernelTest, DotMatchesReference) {
    std::mt19937 rng(99);
    for (int64_t n : lengths()) {
        for (int trial = 0; trial < 20; ++trial) {
            const std::vector<uint8_t> row = random_row(type(), n, rng);
            const std::vector<float> x = random_floats(n, rng);
            std::vector<float> w(static_cast<size_t>(n));
            dequantize_row_reference(type(), row.data(), w.data(), n);
            const float fast = dot_row(type(), row.data(), x.data(), n);
            const float reference = dot_row_reference(type(), row.data(), x.data(), n);
            // Only the summation order differs, so the error is a few ulps of Σ|w·x|.
            EXPECT_NEAR(fast, reference, 1e-6 * abs_dot(w, x.data()) + 1e-30) << "n=" << n << " trial=" << trial;
        }
    }
}

TEST_P(KernelTest, DotWithOneHotXPicksTheDequantizedValue) {
    std::mt19937 rng(5);
    const int64_t n = block_size(type()) == 1 ? 64 : 256;
    const std::vector<uint8_t> row = random_row(type(), n, rng);
    std::vector<float> w(static_cast<size_t>(n));
    dequantize_row_reference(type(), row.data(), w.data(), n);
    std::vector<float> one_hot(static_cast<size_t>(n), 0.0f);
    for (int64_t i : {int64_t{0}, n / 2 + 3, n - 1}) {
        one_hot[static_cast<size_t>(i)] = 1.0f;
        EXPECT_EQ(dot_row(type(), row.data(), one_hot.data(), n), w[static_cast<size_t>(i)]) << "i=" << i;
        one_hot[static_cast<size_t>(i)] = 0.0f;
    }
}

std::vector<TypeAndIsa> all_combinations() {
    std::vector<TypeAndIsa> out;
    for (GgmlType t : all_types()) {
        for (const std::string& isa : all_isas()) {
            if (isa != "scalar") out.emplace_back(t, isa);
        }
    }
    return out;
}

std::string combination_name(const ::testing::TestParamInfo<TypeAndIsa>& info) {
    return type_name(std::get<0>(info.param)) + "_" + std::get<1>(info.param);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, KernelTest, ::testing::ValuesIn(all_combinations()), combination_name);

TEST(Dispatch, PicksTheBestIsaAndCanBePinned) {
    const bool has_avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                            __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                            __builtin_cpu_supports("avx512vnni");
    const bool has_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    EXPECT_STREQ(active_isa(), has_avx512 ? "avx512" : has_avx2 ? "avx2" : "scalar");
    IsaScope scope("scalar");
    EXPECT_TRUE(scope.ok());
    EXPECT_STREQ(active_isa(), "scalar");
    EXPECT_FALSE(force_isa("neon"));
    EXPECT_STREQ(active_isa(), "scalar");
    EXPECT_EQ(force_isa("avx2"), has_avx2);
    EXPECT_EQ(force_isa("avx512"), has_avx512);
}

TEST(Dispatch, SupportedTypes) {
    for (GgmlType t : all_types()) EXPECT_TRUE(is_supported(t)) << type_name(t);
    EXPECT_FALSE(is_supported(GgmlType::Q8_K));
    EXPECT_FALSE(is_supported(GgmlType::IQ4_NL));
    float out[32];
    uint8_t block[18] = {};
    EXPECT_THROW(dequantize_row(GgmlType::IQ4_NL, block, out, 32), std::invalid_argument);
}

}  // namespace
}  // namespace moe::quant::test
