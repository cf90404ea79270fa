// matvec / matmul against a naive loop over dequantize_row_reference, with 1 and 2 threads, on
// the exact path (F32 activations) and the default one (activations quantized to 8 bits, so the
// naive loop multiplies the values the quantized activations stand for).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include <random>
#include <vector>

#include "parallel/thread_pool.h"
#include "quant/matmul.h"
#include "quant/quant.h"
#include "quant_test_util.h"

namespace moe::quant::test {
namespace {

struct Matrix {
    WeightMatrix w;
    std::vector<uint8_t> bytes;
    std::vector<float> dense;  // (rows, cols) from the reference dequantizer
};

Matrix random_matrix(GgmlType type, int64_t rows, int64_t cols, std::mt19937& rng) {
    Matrix m;
    const size_t stride = row_bytes(type, cols);
    m.bytes.resize(stride * static_cast<size_t>(rows));
    m.dense.resize(static_cast<size_t>(rows * cols));
    for (int64_t r = 0; r < rows; ++r) {
        const std::vector<uint8_t> row = random_row(type, cols, rng);
        std::copy(row.begin(), row.end(), m.bytes.begin() + static_cast<std::ptrdiff_t>(r * stride));
        dequantize_row_reference(type, row.data(), m.dense.data() + r * cols, cols);
    }
    m.w = WeightMatrix{type, m.bytes.data(), cols, rows, stride};
    return m;
}

// Naive y[i][r] = Σ_k dense[r][k]·x[i][k] in double, and the Σ|·| each is checked relative to.
void naive(const Matrix& m, const float* x, int64_t ldx, int64_t n, std::vector<double>& y, std::vector<double>& scale) {
    const int64_t rows = m.w.rows, cols = m.w.cols;
    y.assign(static_cast<size_t>(n * rows), 0.0);
    scale.assign(static_cast<size_t>(n * rows), 0.0);
    for (int64_t i = 0; i < n; ++i) {
        for (int64_t r = 0; r < rows; ++r) {
            for (int64_t k = 0; k < cols; ++k) {
                const double p = static_cast<double>(m.dense[static_cast<size_t>(r * cols + k)]) * x[i * ldx + k];
                y[static_cast<size_t>(i * rows + r)] += p;
                scale[static_cast<size_t>(i * rows + r)] += std::fabs(p);
            }
        }
    }
}

// What the product multiplies: x itself when exact or for types that take F32 activations, else
// the values its 8-bit quantization stands for.
std::vector<float> effective_x(GgmlType type, const std::vector<float>& x, int64_t n, int64_t cols, int64_t ldx) {
    const ActivationFormat format = activation_format(type);
    if (exact_activations() || format == ActivationFormat::F32) return x;
    QuantizedActivations quantized;
    quantized.quantize(format, x.data(), n, cols, ldx);
    std::vector<float> out(x.size(), 0.0f);
    for (int64_t i = 0; i < n; ++i) {
        const std::vector<float> row = dequantize_activations(format, quantized.row(i), cols);
        std::copy(row.begin(), row.end(), out.begin() + i * ldx);
    }
    return out;
}

using Param = std::tuple<GgmlType, std::string, int, bool>;  // type, isa, threads, exact

class MatmulTest : public ::testing::TestWithParam<Param> {
protected:
    void SetUp() override {
        scope_ = std::make_unique<IsaScope>(std::get<1>(GetParam()));
        if (!scope_->ok()) GTEST_SKIP() << "CPU lacks " << std::get<1>(GetParam());
        pool_ = std::make_unique<ThreadPool>(std::get<2>(GetParam()));
        exact_ = std::make_unique<ExactActivations>(std::get<3>(GetParam()));
    }
    GgmlType type() const { return std::get<0>(GetParam()); }
    // An odd row count; two blocks' worth of columns (plus a SIMD tail for plain types).
    int64_t cols() const { return block_size(type()) == 1 ? 83 : 2 * std::max<int64_t>(block_size(type()), 128); }
    std::unique_ptr<IsaScope> scope_;
    std::unique_ptr<ThreadPool> pool_;
    std::unique_ptr<ExactActivations> exact_;
};

TEST_P(MatmulTest, MatvecMatchesNaiveLoop) {
    std::mt19937 rng(11);
    for (int64_t rows : {int64_t{1}, int64_t{37}, int64_t{301}}) {
        const Matrix m = random_matrix(type(), rows, cols(), rng);
        const std::vector<float> x = random_floats(cols(), rng);
        std::vector<float> y(static_cast<size_t>(rows), -1.0f);
        matvec(m.w, x.data(), y.data(), *pool_);
        std::vector<double> expected, scale;
        naive(m, effective_x(type(), x, 1, cols(), cols()).data(), cols(), 1, expected, scale);
        for (int64_t r = 0; r < rows; ++r) {
            ASSERT_NEAR(y[r], expected[r], 1e-6 * scale[r] + 1e-30) << "rows=" << rows << " r=" << r;
        }
    }
}

TEST_P(MatmulTest, MatmulMatchesNaiveLoop) {
    std::mt19937 rng(12);
    const int64_t rows = 37;
    const Matrix m = random_matrix(type(), rows, cols(), rng);
    for (int64_t n : {int64_t{1}, int64_t{2}, int64_t{5}, int64_t{7}, int64_t{11}}) {
        const int64_t ldx = cols() + 3, ldy = rows + 2;  // strides wider than the rows
        const std::vector<float> x = random_floats(n * ldx, rng);
        std::vector<float> y(static_cast<size_t>(n * ldy), -7.0f);
        matmul(m.w, x.data(), ldx, n, y.data(), ldy, *pool_);
        std::vector<double> expected, scale;
        naive(m, effective_x(type(), x, n, cols(), ldx).data(), ldx, n, expected, scale);
        for (int64_t i = 0; i < n; ++i) {
            for (int64_t r = 0; r < rows; ++r) {
                const size_t e = static_cast<size_t>(i * rows + r);
                ASSERT_NEAR(y[static_cast<size_t>(i * ldy + r)], expected[e], 1e-6 * scale[e] + 1e-30)
                    << "n=" << n << " i=" << i << " r=" << r;
            }
            for (int64_t r = rows; r < ldy; ++r) EXPECT_EQ(y[static_cast<size_t>(i * ldy + r)], -7.0f) << "padding written";
        }
    }
}

std::vector<Param> all_params() {
    std::vector<Param> out;
    for (GgmlType t : all_types()) {
        for (const std::string& isa : all_isas()) {
            for (int threads : {1, 2}) {
                for (bool exact : {true, false}) out.emplace_back(t, isa, threads, exact);
            }
        }
    }
    return out;
}

INSTANTIATE_TEST_SUITE_P(AllTypes, MatmulTest, ::testing::ValuesIn(all_params()),
                         [](const ::testing::TestParamInfo<Param>& info) {
                             return type_name(std::get<0>(info.param)) + "_" + std::get<1>(info.param) + "_" +
                                    std::to_string(std::get<2>(info.param)) + "threads" +
                                    (std::get<3>(info.param) ? "_exact" : "_quantized");
                         });

TEST(Matmul, LargeMatrixSplitsAcrossThreadsLikeOneThread) {
    // Enough rows that both threads get several tiles; the result must not depend on the split.
    std::mt19937 rng(13);
    const Matrix m = random_matrix(GgmlType::Q4_K, 1001, 512, rng);
    const std::vector<float> x = random_floats(3 * 512, rng);
    std::vector<float> y1(3 * 1001), y2(3 * 1001);
    ThreadPool one(1), two(2);
    matmul(m.w, x.data(), 512, 3, y1.data(), 1001, one);
    matmul(m.w, x.data(), 512, 3, y2.data(), 1001, two);
    EXPECT_EQ(y1, y2);
    matvec(m.w, x.data(), y1.data(), one);
    matvec(m.w, x.data(), y2.data(), two);
    EXPECT_EQ(y1, y2);
}

// The batched products quantize their activations in one parallel loop over every product's rows
// (quantize_all) and write their tiles straight into each output: with two threads, nine tokens
// (two tiles and a single token) and three products, two of which share their activations, every
// output equals the product alone on one thread.
TEST(Matmul, BatchOfProductsOnTwoThreadsEqualsEachProductAloneOnOne) {
    std::mt19937 rng(17);
    const Matrix a = random_matrix(GgmlType::Q8_0, 203, 256, rng), b = random_matrix(GgmlType::Q4_K, 64, 256, rng),
                 c = random_matrix(GgmlType::Q5_0, 40, 256, rng);
    constexpr int64_t n = 9;
    const std::vector<float> x = random_floats(n * 256, rng), z = random_floats(n * 256, rng);
    std::vector<float> ya(n * 203), yb(n * 64), yc(n * 40), alone_a(n * 203), alone_b(n * 64), alone_c(n * 40);
    ThreadPool one(1), two(2);
    matmul_batch({{a.w, x.data(), 256, n, ya.data(), 203}, {b.w, x.data(), 256, n, yb.data(), 64},
                  {c.w, z.data(), 256, n, yc.data(), 40}},
                 two);
    matmul(a.w, x.data(), 256, n, alone_a.data(), 203, one);
    matmul(b.w, x.data(), 256, n, alone_b.data(), 64, one);
    matmul(c.w, z.data(), 256, n, alone_c.data(), 40, one);
    EXPECT_EQ(ya, alone_a);
    EXPECT_EQ(yb, alone_b);
    EXPECT_EQ(yc, alone_c);
}

// The two or three tokens left after the last full tile go through a tile too (the last one
// repeated in the spare slots), and where a type has eight-token tiles (AVX-512: Q4_0, Q5_0,
// Q8_0) they round each token as the four-token tile does, so a token's outputs do not depend on
// how many tokens share its product: 6, 7, 12 and 14 tokens give the very floats of the first
// 6, 7, 12 and 14 of 16.
TEST(Matmul, EveryTileShapeRoundsATokenAlike) {
    std::mt19937 rng(23);
    for (GgmlType type : {GgmlType::Q8_0, GgmlType::Q5_0, GgmlType::Q4_0, GgmlType::Q4_K, GgmlType::Q6_K}) {
        const Matrix m = random_matrix(type, 41, 512, rng);  // 41 rows: ten tiles and a row on its own
        const std::vector<float> x = random_floats(16 * 512, rng);
        ThreadPool pool(2);
        std::vector<float> all(16 * 41);
        matmul(m.w, x.data(), 512, 16, all.data(), 41, pool);
        for (int64_t n : {int64_t{6}, int64_t{7}, int64_t{12}, int64_t{14}}) {
            std::vector<float> part(static_cast<size_t>(n * 41));
            matmul(m.w, x.data(), 512, n, part.data(), 41, pool);
            EXPECT_TRUE(std::equal(part.begin(), part.end(), all.begin())) << type_name(type) << " n=" << n;
        }
    }
}

// The F32 product attention uses, with rows wider than what is read: 7 weight rows (a micro tile
// of four and three left over), 6 activations, 37 columns (a vector tail) and 64 (none: AVX-512
// then sums a whole tile at once), on every ISA.
TEST(Matmul, F32ProductWithRowStridesMatchesAPlainLoopOnEveryIsa) {
    std::mt19937 rng(29);
    constexpr int64_t kRows = 7, kN = 6, kLdw = 71, kLdx = 70, kLdy = 9;
    const std::vector<float> w = random_floats(kRows * kLdw, rng), x = random_floats(kN * kLdx, rng);
    for (int64_t cols : {int64_t{37}, int64_t{64}}) {
        for (const std::string& isa : all_isas()) {
            IsaScope scope(isa);
            if (!scope.ok()) continue;
            std::vector<float> y(kN * kLdy, -7.0f);
            quant::gemm_f32(w.data(), kLdw, kRows, cols, x.data(), kLdx, kN, y.data(), kLdy);
            for (int64_t i = 0; i < kN; ++i) {
                for (int64_t r = 0; r < kRows; ++r) {
                    double exact = 0.0, magnitude = 0.0;
                    for (int64_t k = 0; k < cols; ++k) {
                        exact += static_cast<double>(w[r * kLdw + k]) * x[i * kLdx + k];
                        magnitude += std::fabs(static_cast<double>(w[r * kLdw + k]) * x[i * kLdx + k]);
                    }
                    EXPECT_NEAR(y[i * kLdy + r], exact, cols * 0x1p-24 * magnitude)
                        << isa << " cols=" << cols << " i=" << i << " r=" << r;
                }
                for (int64_t r = kRows; r < kLdy; ++r) EXPECT_EQ(y[i * kLdy + r], -7.0f) << isa << " padding written";
            }
        }
    }
}

// A row and an activation give the very same float wherever they land: in a full 4 × 4 micro tile
// (summed as one transposed tree on AVX-512) or among the leftovers (one reduction each). Row 4
// repeats row 0 and activation 4 repeats activation 0; values spread over six orders of magnitude
// so that any other order of the sums would round differently.
TEST(Matmul, F32ProductRoundsAlikeInAndOutsideFullTiles) {
    std::mt19937 rng(31);
    std::uniform_real_distribution<float> exponent(-3.0f, 3.0f);
    constexpr int64_t kRows = 5, kN = 5;
    for (int64_t cols : {int64_t{16}, int64_t{64}, int64_t{512}}) {
        std::vector<float> w = random_floats(kRows * cols, rng), x = random_floats(kN * cols, rng);
        for (float& v : w) v *= std::pow(10.0f, exponent(rng));
        for (float& v : x) v *= std::pow(10.0f, exponent(rng));
        std::copy_n(w.begin(), cols, w.begin() + 4 * cols);
        std::copy_n(x.begin(), cols, x.begin() + 4 * cols);
        for (const std::string& isa : all_isas()) {
            IsaScope scope(isa);
            if (!scope.ok()) continue;
            std::vector<float> y(kN * kRows);
            quant::gemm_f32(w.data(), cols, kRows, cols, x.data(), cols, kN, y.data(), kRows);
            for (int64_t i = 0; i < 4; ++i)
                EXPECT_EQ(y[i * kRows + 4], y[i * kRows]) << isa << " cols=" << cols << " activation " << i;
            for (int64_t r = 0; r < 4; ++r)
                EXPECT_EQ(y[4 * kRows + r], y[r]) << isa << " cols=" << cols << " row " << r;
            EXPECT_EQ(y[4 * kRows + 4], y[0]) << isa << " cols=" << cols;
        }
    }
}

// Quantizing in pieces (reserve, then row ranges, as threads share them) gives the very codes,
// scales and sums of one call.
TEST(Matmul, ActivationsQuantizedInPiecesEqualOneCall) {
    std::mt19937 rng(19);
    const std::vector<float> x = random_floats(7 * 512, rng, 5.0f);
    for (ActivationFormat format : {ActivationFormat::Q8_32, ActivationFormat::Q8_256}) {
        QuantizedActivations whole, pieces;
        whole.quantize(format, x.data(), 7, 512, 512);
        pieces.reserve(format, 7, 512);
        pieces.quantize_rows(x.data(), 512, 3, 7);
        pieces.quantize_rows(x.data(), 512, 0, 3);
        for (int64_t i = 0; i < 7; ++i) {
            const QuantizedRow p = pieces.row(i), w = whole.row(i);
            EXPECT_TRUE(std::equal(p.q, p.q + 512, w.q)) << "row " << i;
            EXPECT_TRUE(std::equal(p.d, p.d + 512 / activation_block(format), w.d)) << "row " << i;
            EXPECT_TRUE(std::equal(p.sums, p.sums + 512 / 16, w.sums)) << "row " << i;
        }
    }
}

TEST(Matmul, RejectsRowsThatAreNotWholeBlocks) {
    std::vector<uint8_t> bytes(1024);
    std::vector<float> x(300), y(4);
    ThreadPool pool(1);
    const WeightMatrix w{GgmlType::Q4_K, bytes.data(), 300, 2, 144};
    EXPECT_THROW(matvec(w, x.data(), y.data(), pool), std::invalid_argument);
    EXPECT_THROW(matmul(w, x.data(), 300, 2, y.data(), 2, pool), std::invalid_argument);
    const WeightMatrix unsupported{GgmlType::IQ4_NL, bytes.data(), 32, 2, 18};
    EXPECT_THROW(matvec(unsupported, x.data(), y.data(), pool), std::invalid_argument);
}

}  // namespace
}  // namespace moe::quant::test
