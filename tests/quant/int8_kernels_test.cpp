// Activation quantization (Q8_0- and Q8_K-style) and the integer dot products, on every ISA level:
// hand-worked blocks, and random rows against the F32 reference dot of the dequantized activation.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <random>
#include <tuple>

#include "parallel/thread_pool.h"
#include "quant/activations.h"
#include "quant/block_formats.h"
#include "quant/kernel_table.h"
#include "quant/matmul.h"
#include "quant/quant.h"
#include "quant/row_groups.h"
#include "quant_test_util.h"

namespace moe::quant::test {
namespace {

TEST(ActivationQuantization, Q8_32RoundsHalfToEvenAndStoresTheScaleAsF16) {
    std::vector<float> x(32, 0.0f);
    x[0] = 1.0f;    // absmax: 127
    x[1] = -0.5f;   // −63.5 -> −64 (half to even)
    x[2] = 0.25f;   // 31.75 -> 32
    x[17] = 0.75f;  // 95.25 -> 95
    QuantizedActivations q;
    q.quantize(ActivationFormat::Q8_32, x.data(), 1, 32, 32);
    const QuantizedRow row = q.row(0);
    // 1/127 in F16: 2^-7 · (1 + 8/1024)
    EXPECT_EQ(row.d[0], 0.00787353515625f);
    EXPECT_EQ(row.q[0], 127);
    EXPECT_EQ(row.q[1], -64);
    EXPECT_EQ(row.q[2], 32);
    EXPECT_EQ(row.q[17], 95);
    EXPECT_EQ(row.q[5], 0);
    EXPECT_EQ(row.sums[0], 127 - 64 + 32);
    EXPECT_EQ(row.sums[1], 95);
}

// llama.cpp's x86 quantizer multiplies by 127/absmax. With absmax = 0x1.00001ep+0 that is an ulp
// below 1/(absmax/127), and 0x1.830638p-7 · (127/absmax) = 1.49999988 rounds to 1, where the other
// multiplier gives exactly 1.5 and code 2.
TEST(ActivationQuantization, Q8_32CodesUse127OverTheMaximumAsLlamaCpp) {
    std::vector<float> x(32, 0.0f);
    x[0] = 0x1.00001ep+0f;
    x[1] = 0x1.830638p-7f;
    QuantizedActivations q;
    q.quantize(ActivationFormat::Q8_32, x.data(), 1, 32, 32);
    EXPECT_EQ(q.row(0).q[0], 127);
    EXPECT_EQ(q.row(0).q[1], 1);
}

TEST(ActivationQuantization, Q8_256MapsTheSignedMaximumToMinus127) {
    std::vector<float> x(512, 0.0f);
    x[3] = 2.0f;     // block 0's largest |x|, positive: scale −2/127, code −127
    x[10] = -1.0f;   // 63.5 -> 64
    x[20] = 0.5f;    // −31.75 -> −32
    x[256] = -4.0f;  // block 1's largest |x|, negative: scale 4/127, code −127
    x[300] = 1.0f;   // 31.75 -> 32
    QuantizedActivations q;
    q.quantize(ActivationFormat::Q8_256, x.data(), 1, 512, 512);
    const QuantizedRow row = q.row(0);
    EXPECT_FLOAT_EQ(row.d[0], -2.0f / 127.0f);
    EXPECT_FLOAT_EQ(row.d[1], 4.0f / 127.0f);
    EXPECT_EQ(row.q[3], -127);
    EXPECT_EQ(row.q[10], 64);
    EXPECT_EQ(row.q[20], -32);
    EXPECT_EQ(row.q[256], -127);
    EXPECT_EQ(row.q[300], 32);
    EXPECT_EQ(row.sums[0], -127 + 64);  // values 0..15
    EXPECT_EQ(row.sums[1], -32);        // values 16..31
    EXPECT_EQ(row.sums[16], -127);      // values 256..271
}

TEST(ActivationQuantization, ANonFiniteValueMakesItsBlockScaleNaN) {
    std::vector<float> x(64, 1.0f);
    x[40] = INFINITY;
    QuantizedActivations q;
    q.quantize(ActivationFormat::Q8_32, x.data(), 1, 64, 64);
    EXPECT_EQ(q.row(0).d[0], fp16_to_fp32(fp32_to_fp16(1.0f / 127.0f)));
    EXPECT_TRUE(std::isnan(q.row(0).d[1]));
}

// The SIMD quantizers give the scalar reference's codes, scales and sums bit for bit on every ISA:
// random rows, exact rounding ties (x·127/absmax = k + 0.5), values tied for the largest magnitude
// with opposite signs (Q8_K takes the first one's sign), zero blocks, and blocks with inf or NaN.
TEST(ActivationQuantization, EveryIsaQuantizesAsTheScalarReference) {
    constexpr int64_t kRows = 5, kCols = 1024, kLdx = kCols + 8;
    std::mt19937 rng(77);
    std::vector<float> x = random_floats(kRows * kLdx, rng, 4.0f);
    for (int i = 0; i < 32; ++i) x[i] = (static_cast<float>(i) - 15.5f) * 2.0f / 127.0f;  // block 0: ties
    x[0] = -2.0f * 127.0f / 127.0f;  // absmax 2 at the first value, negative
    x[300] = 9.0f;                   // row 0, Q8_K block 1: +9 first, then −9
    x[301] = -9.0f;
    std::fill(x.begin() + 512, x.begin() + 768, 0.0f);  // row 0, Q8_K block 2 (and its Q8_0 blocks): zero
    x[kLdx + 40] = INFINITY;
    x[kLdx + 41] = -INFINITY;
    x[2 * kLdx + 70] = NAN;
    x[2 * kLdx + 600] = NAN;
    x[3 * kLdx + 5] = 0x1.fffffep+100f;  // large but finite
    for (ActivationFormat format : {ActivationFormat::Q8_32, ActivationFormat::Q8_256}) {
        const int64_t block = activation_block(format);
        std::vector<int8_t> q_ref(kRows * kCols), q(kRows * kCols);
        std::vector<float> d_ref(kRows * kCols / block), d(kRows * kCols / block);
        std::vector<int16_t> sums_ref(kRows * kCols / 16), sums(kRows * kCols / 16);
        {
            IsaScope scope("scalar");
            ASSERT_TRUE(scope.ok());
            quantize_activations(format, x.data(), kRows, kCols, kLdx, q_ref.data(), d_ref.data(), sums_ref.data());
        }
        for (const std::string& isa : all_isas()) {
            IsaScope scope(isa);
            if (!scope.ok()) continue;
            quantize_activations(format, x.data(), kRows, kCols, kLdx, q.data(), d.data(), sums.data());
            EXPECT_EQ(q, q_ref) << isa << " block " << block;
            EXPECT_EQ(sums, sums_ref) << isa << " block " << block;
            for (size_t b = 0; b < d.size(); ++b) {
                if (std::isnan(d_ref[b])) EXPECT_TRUE(std::isnan(d[b])) << isa << " block " << block << " #" << b;
                else EXPECT_EQ(d[b], d_ref[b]) << isa << " block " << block << " #" << b;
            }
        }
    }
}

TEST(ActivationQuantization, FormatFollowsLlamaCpp) {
    EXPECT_EQ(activation_format(GgmlType::Q8_0), ActivationFormat::Q8_32);
    EXPECT_EQ(activation_format(GgmlType::Q4_1), ActivationFormat::Q8_32);
    EXPECT_EQ(activation_format(GgmlType::Q4_K), ActivationFormat::Q8_256);
    EXPECT_EQ(activation_format(GgmlType::Q6_K), ActivationFormat::Q8_256);
    EXPECT_EQ(activation_format(GgmlType::F16), ActivationFormat::F32);
    EXPECT_EQ(activation_format(GgmlType::F32), ActivationFormat::F32);
}

class Int8KernelTest : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        scope_ = std::make_unique<IsaScope>(GetParam());
        if (!scope_->ok()) GTEST_SKIP() << "CPU lacks " << GetParam();
    }
    std::unique_ptr<IsaScope> scope_;
};

// Activation codes and scales set by hand (the row needs no quantizer).
struct HandRow {
    std::vector<int8_t> q;
    std::vector<float> d;
    std::vector<int16_t> sums;
    QuantizedRow view() const { return {q.data(), d.data(), sums.data()}; }
};

HandRow constant_row(int n, int8_t code, float d, int block) {
    HandRow r{std::vector<int8_t>(n, code), std::vector<float>(n / block, d), std::vector<int16_t>(n / 16, int16_t(16 * code))};
    return r;
}

TEST_P(Int8KernelTest, Q8_0BlockByHand) {
    BlockQ8_0 b{};
    b.d = fp32_to_fp16(0.5f);
    for (int i = 0; i < 32; ++i) b.qs[i] = static_cast<int8_t>(i - 16);
    const HandRow x = constant_row(32, 2, 0.25f, 32);
    // 0.5 · 0.25 · Σ (i − 16)·2 = 0.25 · (496 − 512) = −4
    EXPECT_EQ(dot_row_q8(GgmlType::Q8_0, &b, x.view(), 32), -4.0f);
}

TEST_P(Int8KernelTest, Q8_0ExtremeCodesDoNotSaturate) {
    BlockQ8_0 b{};
    b.d = fp32_to_fp16(1.0f);
    for (int i = 0; i < 32; ++i) b.qs[i] = -128;  // a file may hold −128 though quantizers stop at −127
    const HandRow x = constant_row(32, -127, 1.0f, 32);
    EXPECT_EQ(dot_row_q8(GgmlType::Q8_0, &b, x.view(), 32), 32.0f * 128 * 127);
}

TEST_P(Int8KernelTest, Q4_KBlockByHand) {
    BlockQ4_K b{};
    b.d = fp32_to_fp16(1.0f);
    b.dmin = fp32_to_fp16(1.0f);
    for (int j = 0; j < 4; ++j) {
        b.scales[j] = 2;         // scales 0-3
        b.scales[j + 4] = 1;     // mins 0-3
        b.scales[j + 8] = 0x12;  // scale 4-7 = 2, min 4-7 = 1
    }
    for (uint8_t& q : b.qs) q = 0x53;  // low nibble 3 (even sub-blocks), high 5 (odd ones)
    const HandRow x = constant_row(256, 1, 0.5f, 256);
    // weights 2·3 − 1 = 5 (128 of them) and 2·5 − 1 = 9 (128): 0.5 · 128 · (5 + 9) = 896
    EXPECT_EQ(dot_row_q8(GgmlType::Q4_K, &b, x.view(), 256), 896.0f);
}

// llama.cpp runs Q4_K weights through kernels that take, per super-block, the whole integer sum
// times d·dx into one float chain and the min terms times dmin·dx into another, the dot being the
// first less the second (simd_int8_kernels.h, q4_k_chains_step); its GEMM over four tokens of a
// 2-D weight takes those steps once per pair of sub-blocks instead (per_pair). Here those steps in
// plain code, the integer sums from the codes one by one, against the kernels on random rows.
float q4_k_as_llama_cpp(const BlockQ4_K* blocks, const QuantizedRow& x, int64_t n, bool per_pair = false) {
    float scaled = 0.0f, mins = 0.0f;
    for (int64_t i = 0; i < n / 256; ++i) {
        const BlockQ4_K& b = blocks[i];
        int64_t total = 0, min_total = 0;
        for (int sub = 0; sub < 8; ++sub) {
            int scale = 0, min = 0;
            k_scale_min(b.scales, sub, scale, min);
            for (int v = 0; v < 32; ++v) {
                const uint8_t byte = b.qs[32 * (sub / 2) + v];
                const int code = sub % 2 ? byte >> 4 : byte & 0x0F;
                const int q = x.q[i * 256 + 32 * sub + v];
                total += scale * code * q;
                min_total += min * q;
            }
            if ((per_pair && sub % 2 == 1) || sub == 7) {
                scaled = std::fma(static_cast<float>(total), fp16_to_fp32(b.d) * x.d[i], scaled);
                mins = std::fma(static_cast<float>(min_total), fp16_to_fp32(b.dmin) * x.d[i], mins);
                total = min_total = 0;
            }
        }
    }
    return scaled - mins;
}

TEST_P(Int8KernelTest, Q4_KRoundsAsLlamaCppsKernels) {
    if (GetParam() == "scalar") GTEST_SKIP() << "the scalar reference sums in double, held to a tolerance above";
    std::mt19937 rng(4242);
    constexpr int64_t n = 1024;  // four super-blocks
    for (int trial = 0; trial < 200; ++trial) {
        const std::vector<uint8_t> row = random_row(GgmlType::Q4_K, n, rng);
        const std::vector<float> values = random_floats(n, rng, 3.0f);
        QuantizedActivations quantized;
        quantized.quantize(ActivationFormat::Q8_256, values.data(), 1, n, n);
        const auto* blocks = reinterpret_cast<const BlockQ4_K*>(row.data());
        const float expected = q4_k_as_llama_cpp(blocks, quantized.row(0), n);
        ASSERT_EQ(dot_row_q8(GgmlType::Q4_K, row.data(), quantized.row(0), n), expected) << "trial " << trial;
    }
}

// A prefill product over a 2-D weight (WeightMatrix::gemm_rounding), its rows stored plainly and in
// groups: the four tokens of a whole tile round as llama.cpp's GEMM (AVX2 and AVX-512), the two
// left over as its one-token kernel, and every row of a grouped copy as the plain row.
TEST_P(Int8KernelTest, Q4_KTilesOfA2DWeightRoundAsLlamaCppsGemm) {
    if (GetParam() == "scalar") GTEST_SKIP() << "the scalar reference sums in double, held to a tolerance above";
    std::mt19937 rng(4243);
    constexpr int64_t n = 512, rows = 32, tokens = 6;
    std::vector<uint8_t> plain;
    for (int64_t r = 0; r < rows; ++r) {
        const std::vector<uint8_t> row = random_row(GgmlType::Q4_K, n, rng);
        plain.insert(plain.end(), row.begin(), row.end());
    }
    std::vector<uint8_t> grouped = plain;
    group_rows(GgmlType::Q4_K, grouped.data(), rows, n);
    const size_t stride = row_bytes(GgmlType::Q4_K, n);
    const std::vector<float> values = random_floats(tokens * n, rng, 3.0f);
    QuantizedActivations quantized;
    quantized.quantize(ActivationFormat::Q8_256, values.data(), tokens, n, n);
    const bool gemm_tiles = detail::kernels_for(detail::active_kernels(), GgmlType::Q4_K).dot_q8_gemm_tile != nullptr;
    EXPECT_TRUE(gemm_tiles);
    ThreadPool pool(1);
    for (bool in_groups : {false, true}) {
        const WeightMatrix w{GgmlType::Q4_K, in_groups ? grouped.data() : plain.data(), n, rows, stride, in_groups, true};
        std::vector<float> y(tokens * rows);
        matmul(w, values.data(), n, tokens, y.data(), rows, pool);
        for (int64_t t = 0; t < tokens; ++t) {
            for (int64_t r = 0; r < rows; ++r) {
                const auto* blocks = reinterpret_cast<const BlockQ4_K*>(plain.data() + r * stride);
                const float expected = q4_k_as_llama_cpp(blocks, quantized.row(t), n, gemm_tiles && t < 4);
                ASSERT_EQ(y[t * rows + r], expected) << (in_groups ? "grouped" : "plain") << " token " << t << " row " << r;
            }
        }
    }
}

// Q5_0 rows of three blocks: low nibbles 3 everywhere, fifth bit set on even rows (code 19 − 16 = 3)
// and clear on odd ones (3 − 16 = −13); row r's scale r + 1; every activation code t + 1, scale 0.5.
TEST_P(Int8KernelTest, Q5_0TileByHand) {
    constexpr int kBlocks = 3;
    BlockQ5_0 rows[kTileRows][kBlocks]{};
    for (int r = 0; r < kTileRows; ++r) {
        for (BlockQ5_0& b : rows[r]) {
            b.d = fp32_to_fp16(static_cast<float>(r + 1));
            for (uint8_t& q : b.qs) q = 0x33;
            for (uint8_t& h : b.qh) h = r % 2 ? 0x00 : 0xFF;
        }
    }
    HandRow x[kTileTokens];
    QuantizedRow views[kTileTokens];
    for (int t = 0; t < kTileTokens; ++t) {
        x[t] = constant_row(96, static_cast<int8_t>(t + 1), 0.5f, 32);
        views[t] = x[t].view();
    }
    float out[kTileRows * kTileTokens];
    dot_tile_q8(GgmlType::Q5_0, rows, sizeof rows[0], views, 96, out);
    for (int t = 0; t < kTileTokens; ++t) {
        for (int r = 0; r < kTileRows; ++r) {
            const int code = r % 2 ? -13 : 3;  // 96 values of (r + 1)·code times 0.5·(t + 1)
            EXPECT_EQ(out[t * kTileRows + r], 48.0f * (r + 1) * code * (t + 1)) << "t=" << t << " r=" << r;
        }
    }
}

TEST_P(Int8KernelTest, Q4_KTileByHand) {
    BlockQ4_K rows[kTileRows]{};
    for (int r = 0; r < kTileRows; ++r) {
        BlockQ4_K& b = rows[r];
        b.d = fp32_to_fp16(static_cast<float>(r + 1));  // row r: every weight of Q4_KBlockByHand times r + 1
        b.dmin = b.d;
        for (int j = 0; j < 4; ++j) {
            b.scales[j] = 2;
            b.scales[j + 4] = 1;
            b.scales[j + 8] = 0x12;
        }
        for (uint8_t& q : b.qs) q = 0x53;
    }
    HandRow x[kTileTokens];
    QuantizedRow views[kTileTokens];
    for (int t = 0; t < kTileTokens; ++t) {
        x[t] = constant_row(256, static_cast<int8_t>(t - 1), 0.5f, 256);  // codes −1, 0, 1, 2
        views[t] = x[t].view();
    }
    float out[kTileRows * kTileTokens];
    dot_tile_q8(GgmlType::Q4_K, rows, sizeof rows[0], views, 256, out);
    for (int t = 0; t < kTileTokens; ++t)
        for (int r = 0; r < kTileRows; ++r)  // 0.5 · (t − 1) · 128 · (5 + 9) · (r + 1)
            EXPECT_EQ(out[t * kTileRows + r], 896.0f * (t - 1) * (r + 1)) << "t=" << t << " r=" << r;
}

TEST_P(Int8KernelTest, Q6_KBlockByHand) {
    BlockQ6_K b{};
    b.d = fp32_to_fp16(0.5f);
    for (int j = 0; j < 16; ++j) b.scales[j] = static_cast<int8_t>(j % 2 ? -3 : 4);
    for (uint8_t& q : b.ql) q = 0x11;  // low 4 bits 1 for every value
    for (uint8_t& q : b.qh) q = 0xAA;  // high 2 bits 2: code 33, weight 33 − 32 = 1
    const HandRow x = constant_row(256, 3, 0.25f, 256);
    // every weight 0.5·scale·1; 8 groups of scale 4 and 8 of −3: 0.5·16·(8·4 − 8·3)·3·0.25 = 48
    EXPECT_EQ(dot_row_q8(GgmlType::Q6_K, &b, x.view(), 256), 48.0f);
}

// Every 6-bit code and a negative scale in each half: value j has code j mod 64 (weight code − 32),
// group g (values 16g..16g+15) scale g − 8. Group g's codes sum to 16·(16·(g mod 4)) + 120 − 16·32,
// i.e. −392, −136, 120, 376 for g mod 4 = 0..3, so Σ_g (g − 8)·that = 5184; with activation code 2,
// activation scale 0.5 and d = 0.25 the dot is 0.25 · 0.5 · 2 · 5184 = 1296.
TEST_P(Int8KernelTest, Q6_KEveryCodeAndSignedScalesByHand) {
    BlockQ6_K b{};
    b.d = fp32_to_fp16(0.25f);
    for (int g = 0; g < 16; ++g) b.scales[g] = static_cast<int8_t>(g - 8);
    for (int j = 0; j < 256; ++j) {  // the layout of reference.cpp's block_q6_k
        const int code = j % 64, half = j / 128, k = j % 128 / 32, l = j % 32;
        uint8_t& low = b.ql[64 * half + 32 * (k % 2) + l];
        low |= static_cast<uint8_t>((code & 0x0F) << (k < 2 ? 0 : 4));
        b.qh[32 * half + l] |= static_cast<uint8_t>((code >> 4) << (2 * k));
    }
    const HandRow x = constant_row(256, 2, 0.5f, 256);
    EXPECT_EQ(dot_row_q8(GgmlType::Q6_K, &b, x.view(), 256), 1296.0f);
}

// Four Q8_0 rows of three blocks against four activation vectors (the 512-bit tile holds two
// tokens per vector and offsets the weight codes by 128, so codes −128 and 127 are both here);
// every product worked out by hand.
TEST_P(Int8KernelTest, Q8_0TileByHand) {
    constexpr int kBlocks = 3;
    BlockQ8_0 rows[kTileRows][kBlocks]{};
    for (int r = 0; r < kTileRows; ++r) {
        for (int k = 0; k < kBlocks; ++k) {
            rows[r][k].d = fp32_to_fp16(static_cast<float>(k + 1));  // block scales 1, 2, 3
            for (int j = 0; j < 32; ++j) rows[r][k].qs[j] = static_cast<int8_t>(j < 16 ? r - 128 : r + 1);
        }
    }
    // token t: every code t + 1 in block 0, −127 in block 1, and 127·(t even) in block 2; scale 0.5.
    HandRow x[kTileTokens];
    QuantizedRow views[kTileTokens];
    for (int t = 0; t < kTileTokens; ++t) {
        x[t] = constant_row(96, static_cast<int8_t>(t + 1), 0.5f, 32);
        std::fill(x[t].q.begin() + 32, x[t].q.begin() + 64, int8_t{-127});
        std::fill(x[t].q.begin() + 64, x[t].q.end(), static_cast<int8_t>(t % 2 ? 0 : 127));
        views[t] = x[t].view();
    }
    float out[kTileRows * kTileTokens];
    dot_tile_q8(GgmlType::Q8_0, rows, sizeof rows[0], views, 96, out);
    for (int t = 0; t < kTileTokens; ++t) {
        for (int r = 0; r < kTileRows; ++r) {
            const int code_sum = 16 * (r - 128) + 16 * (r + 1);  // Σ w of every block of row r: 32r − 2032
            const float expected = 0.5f * (1.0f * code_sum * (t + 1) + 2.0f * code_sum * -127 +
                                           3.0f * code_sum * (t % 2 ? 0 : 127));
            EXPECT_EQ(out[t * kTileRows + r], expected) << "t=" << t << " r=" << r;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, Int8KernelTest, ::testing::ValuesIn(all_isas()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

using TypeAndIsa = std::tuple<GgmlType, std::string>;

class Int8DotTest : public ::testing::TestWithParam<TypeAndIsa> {
protected:
    void SetUp() override {
        scope_ = std::make_unique<IsaScope>(std::get<1>(GetParam()));
        if (!scope_->ok()) GTEST_SKIP() << "CPU lacks " << std::get<1>(GetParam());
    }
    GgmlType type() const { return std::get<0>(GetParam()); }
    std::unique_ptr<IsaScope> scope_;
};

// The integer dot equals the F32 reference dot of the weights with the dequantized activation,
// up to float rounding of the per-block terms: 2^-16 of Σ|w·x̂| is hundreds of ulps, where a wrong
// scale, code or index is off by a sizeable fraction.
TEST_P(Int8DotTest, MatchesTheReferenceDotOfTheDequantizedActivation) {
    std::mt19937 rng(321);
    const ActivationFormat format = activation_format(type());
    for (int64_t n : {int64_t{256}, int64_t{512}, int64_t{2048}}) {
        for (int trial = 0; trial < 20; ++trial) {
            const std::vector<uint8_t> row = random_row(type(), n, rng);
            const std::vector<float> x = random_floats(n, rng, trial % 2 ? 1.0f : 30.0f);
            QuantizedActivations quantized;
            quantized.quantize(format, x.data(), 1, n, n);
            const std::vector<float> x_hat = dequantize_activations(format, quantized.row(0), n);
            std::vector<float> w(static_cast<size_t>(n));
            dequantize_row_reference(type(), row.data(), w.data(), n);
            const float fast = dot_row_q8(type(), row.data(), quantized.row(0), n);
            const float reference = dot_row_reference(type(), row.data(), x_hat.data(), n);
            EXPECT_NEAR(fast, reference, 0x1p-16 * abs_dot(w, x_hat.data()) + 1e-30) << "n=" << n << " trial=" << trial;
        }
    }
}

// The GEMM tile equals the one-row kernel on each of its rows and tokens, up to the order of the
// float sums (same tolerance as above).
TEST_P(Int8DotTest, TileMatchesTheSingleRowKernel) {
    std::mt19937 rng(654);
    const ActivationFormat format = activation_format(type());
    for (int64_t n : {int64_t{256}, int64_t{768}, int64_t{2048}}) {
        const size_t stride = row_bytes(type(), n);
        std::vector<uint8_t> rows;
        for (int r = 0; r < kTileRows; ++r) {
            const std::vector<uint8_t> row = random_row(type(), n, rng);
            rows.insert(rows.end(), row.begin(), row.end());
        }
        const std::vector<float> x = random_floats(kTileTokens * n, rng, 10.0f);
        QuantizedActivations quantized;
        quantized.quantize(format, x.data(), kTileTokens, n, n);
        QuantizedRow tokens[kTileTokens];
        for (int t = 0; t < kTileTokens; ++t) tokens[t] = quantized.row(t);
        float out[kTileRows * kTileTokens];
        dot_tile_q8(type(), rows.data(), stride, tokens, n, out);
        for (int t = 0; t < kTileTokens; ++t) {
            const std::vector<float> x_hat = dequantize_activations(format, tokens[t], n);
            for (int r = 0; r < kTileRows; ++r) {
                std::vector<float> w(static_cast<size_t>(n));
                dequantize_row_reference(type(), rows.data() + r * stride, w.data(), n);
                const float one = dot_row_q8(type(), rows.data() + r * stride, tokens[t], n);
                EXPECT_NEAR(out[t * kTileRows + r], one, 0x1p-16 * abs_dot(w, x_hat.data()) + 1e-30)
                    << "n=" << n << " t=" << t << " r=" << r;
            }
        }
    }
}

// The Q4_0, Q5_0, Q4_K and Q6_K tiles sum the same integers and round the same floats as the
// one-row kernels, so a prefill gives the very logits it gave before tiles (the conformance runs
// depend on it). Q8_0's one-row kernel keeps four float chains for speed, so its tile (one chain, like the
// four-token kernel) is held to the tolerance above.
TEST(Int8Tile, RoundsLikeTheOneRowKernelOnEveryIsa) {
    std::mt19937 rng(987);
    const int64_t n = 1024 + 256;  // 40 legacy blocks, 5 super-blocks
    for (GgmlType type : {GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q4_K, GgmlType::Q6_K}) {
        const size_t stride = row_bytes(type, n);
        std::vector<uint8_t> rows;
        for (int r = 0; r < kTileRows; ++r) {
            const std::vector<uint8_t> row = random_row(type, n, rng);
            rows.insert(rows.end(), row.begin(), row.end());
        }
        const std::vector<float> x = random_floats(kTileTokens * n, rng, 3.0f);
        QuantizedActivations quantized;
        quantized.quantize(activation_format(type), x.data(), kTileTokens, n, n);
        QuantizedRow tokens[kTileTokens];
        for (int t = 0; t < kTileTokens; ++t) tokens[t] = quantized.row(t);
        for (const std::string& isa : all_isas()) {
            IsaScope scope(isa);
            if (!scope.ok()) continue;
            float out[kTileRows * kTileTokens];
            dot_tile_q8(type, rows.data(), stride, tokens, n, out);
            for (int t = 0; t < kTileTokens; ++t)
                for (int r = 0; r < kTileRows; ++r)
                    EXPECT_EQ(out[t * kTileRows + r], dot_row_q8(type, rows.data() + r * stride, tokens[t], n))
                        << type_name(type) << " " << isa << " t=" << t << " r=" << r;
        }
    }
}

// Q8_0's tile rounds as the four-token kernel: the 512-bit tile (two tokens per vector) gives the
// very floats of the AVX2 tile, which calls that kernel row by row. (The scalar reference sums in
// an order of its own and is held to a tolerance above.)
TEST(Int8Tile, Q8_0TileRoundsTheSameOnEveryIsa) {
    std::mt19937 rng(988);
    const int64_t n = 1024 + 96;  // 35 blocks
    const size_t stride = row_bytes(GgmlType::Q8_0, n);
    std::vector<uint8_t> rows;
    for (int r = 0; r < kTileRows; ++r) {
        const std::vector<uint8_t> row = random_row(GgmlType::Q8_0, n, rng);
        rows.insert(rows.end(), row.begin(), row.end());
    }
    const std::vector<float> x = random_floats(kTileTokens * n, rng, 3.0f);
    QuantizedActivations quantized;
    quantized.quantize(ActivationFormat::Q8_32, x.data(), kTileTokens, n, n);
    QuantizedRow tokens[kTileTokens];
    for (int t = 0; t < kTileTokens; ++t) tokens[t] = quantized.row(t);
    std::vector<float> first;
    for (const std::string isa : {"avx2", "avx512"}) {
        IsaScope scope(isa);
        if (!scope.ok()) continue;
        std::vector<float> out(kTileRows * kTileTokens);
        dot_tile_q8(GgmlType::Q8_0, rows.data(), stride, tokens, n, out.data());
        if (first.empty()) first = out;
        EXPECT_EQ(out, first) << isa;
    }
}

// The 512-bit one-row kernels (two blocks or 64 values per vector) round every float step as the
// 256-bit ones of the AVX2 table, so a decode's logits and routing do not depend on the ISA (the
// conformance runs compare them with llama.cpp). Rows of 1 to 64 blocks cover every tail the
// kernels' batches leave.
TEST(Int8Dot, OneRowKernelsRoundTheSameOnEveryIsa) {
    std::mt19937 rng(989);
    for (GgmlType type : {GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q8_0, GgmlType::Q4_K, GgmlType::Q6_K}) {
        const int64_t block = type_traits(static_cast<uint32_t>(type))->block_size;
        for (int64_t blocks : {1, 2, 3, 5, 7, 8, 9, 12, 35, 64}) {
            const int64_t n = blocks * block;
            const std::vector<uint8_t> row = random_row(type, n, rng);
            const std::vector<float> x = random_floats(n, rng, 3.0f);
            QuantizedActivations quantized;
            quantized.quantize(activation_format(type), x.data(), 1, n, n);
            std::optional<float> first;
            for (const std::string isa : {"avx2", "avx512"}) {
                IsaScope scope(isa);
                if (!scope.ok()) continue;
                const float dot = dot_row_q8(type, row.data(), quantized.row(0), n);
                if (!first) first = dot;
                EXPECT_EQ(dot, *first) << type_name(type) << " " << isa << " blocks=" << blocks;
            }
        }
    }
}

// A decode's mat-vec goes through dot_rows_q8, whose kernels may prepare the activation once for
// all rows (AVX-512 Q4_K reorders it to the nibbles' order): every row rounds as the one-row kernel,
// odd counts of legacy blocks included.
TEST(Int8Dot, RowsRoundAsTheOneRowKernelOnEveryIsa) {
    std::mt19937 rng(990);
    constexpr int64_t kRows = 7;  // a kernel's four-row and two-row groups, and rows left over
    for (GgmlType type : all_types()) {
        if (activation_format(type) == ActivationFormat::F32) continue;
        const int64_t block = type_traits(static_cast<uint32_t>(type))->block_size;
        for (int64_t blocks : {1, 2, 3, 8, 9}) {
            const int64_t n = blocks * (block == 256 ? 256 : 3 * block);  // odd block counts too
            const size_t stride = row_bytes(type, n);
            std::vector<uint8_t> rows;
            for (int r = 0; r < kRows; ++r) {
                const std::vector<uint8_t> row = random_row(type, n, rng);
                rows.insert(rows.end(), row.begin(), row.end());
            }
            const std::vector<float> x = random_floats(n, rng, 3.0f);
            QuantizedActivations quantized;
            quantized.quantize(activation_format(type), x.data(), 1, n, n);
            for (const std::string& isa : all_isas()) {
                IsaScope scope(isa);
                if (!scope.ok()) continue;
                float out[kRows];
                dot_rows_q8(type, rows.data(), stride, kRows, quantized.row(0), n, out);
                for (int r = 0; r < kRows; ++r)
                    EXPECT_EQ(out[r], dot_row_q8(type, rows.data() + r * stride, quantized.row(0), n))
                        << type_name(type) << " " << isa << " blocks=" << blocks << " r=" << r;
            }
        }
    }
}

std::vector<TypeAndIsa> quantized_types_and_isas() {
    std::vector<TypeAndIsa> out;
    for (GgmlType t : all_types()) {
        if (activation_format(t) == ActivationFormat::F32) continue;
        for (const std::string& isa : all_isas()) out.emplace_back(t, isa);
    }
    return out;
}

INSTANTIATE_TEST_SUITE_P(QuantizedTypes, Int8DotTest, ::testing::ValuesIn(quantized_types_and_isas()),
                         [](const ::testing::TestParamInfo<TypeAndIsa>& info) {
                             return type_name(std::get<0>(info.param)) + "_" + std::get<1>(info.param);
                         });

TEST(Int8Dot, RefusesTypesThatTakeF32Activations) {
    const HandRow x = constant_row(32, 1, 1.0f, 32);
    float row[32] = {};
    EXPECT_THROW(dot_row_q8(GgmlType::F32, row, x.view(), 32), std::invalid_argument);
}

}  // namespace
}  // namespace moe::quant::test
