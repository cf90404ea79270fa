// Q4_K rows stored 16 at a time (quant/row_groups.h): the layout worked by hand, the way back to
// plain rows, and every product over grouped rows against the same rows stored plainly, bit for
// bit, on every ISA (those without grouped kernels lay each group out plainly first).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "parallel/thread_pool.h"
#include "quant/block_formats.h"
#include "quant/matmul.h"
#include "quant/row_groups.h"
#include "quant_test_util.h"

namespace moe::quant::test {
namespace {

std::vector<uint8_t> random_rows(int64_t rows, int64_t n, std::mt19937& rng) {
    std::vector<uint8_t> bytes;
    for (int64_t r = 0; r < rows; ++r) {
        const std::vector<uint8_t> row = random_row(GgmlType::Q4_K, n, rng);
        bytes.insert(bytes.end(), row.begin(), row.end());
    }
    return bytes;
}

std::vector<uint8_t> grouped_copy(std::vector<uint8_t> plain, int64_t rows, int64_t n) {
    group_rows(GgmlType::Q4_K, plain.data(), rows, n);
    return plain;
}

// Random rows of n values, stored plainly and in groups.
struct BothLayouts {
    size_t stride;
    std::vector<uint8_t> plain, grouped;
};
BothLayouts both_layouts(int64_t rows, int64_t n, std::mt19937& rng) {
    BothLayouts out{row_bytes(GgmlType::Q4_K, n), random_rows(rows, n, rng), {}};
    out.grouped = grouped_copy(out.plain, rows, n);
    return out;
}

// Row 3 of a group, super-block 1: d, dmin, codes and one sub-block's packed scales put by hand.
// Packed bytes s[5] = 0x80 and s[9] = 0xD0 give sub-block 5 scale 0 and min 0b101101 (k_scale_min:
// s[9] >> 4 = 13, s[5] >> 6 = 2), sub-block 1 scale 0 and min 0; the min's bit pairs 01, 11 and 10
// go to the tops of the three scale parts' byte 1.
TEST(RowGroups, LayoutByHand) {
    constexpr int64_t n = 512, rows = 16;
    std::vector<uint8_t> plain(rows * sizeof(BlockQ4_K) * 2, 0);
    auto* blocks = reinterpret_cast<BlockQ4_K*>(plain.data());
    BlockQ4_K& b = blocks[3 * 2 + 1];
    b.d = 0x3C00;  // 1.0
    b.dmin = 0x4000;  // 2.0
    b.scales[5] = 0x80;
    b.scales[9] = 0xD0;
    b.scales[2] = 37;  // sub-block 2's scale
    for (int k = 0; k < 128; ++k) b.qs[k] = static_cast<uint8_t>(k);
    const std::vector<uint8_t> grouped = grouped_copy(plain, rows, n);
    const auto& group = reinterpret_cast<const BlockQ4_KGroup*>(grouped.data())[1];
    EXPECT_EQ(group.d[3], 0x3C00);
    EXPECT_EQ(group.dmin[3], 0x4000);
    EXPECT_EQ(group.d[2], 0);
    EXPECT_EQ(group.scales[0][3][1], 1 << 6);  // scale 1 (0) | min 5's bits 0-1
    EXPECT_EQ(group.scales[1][3][1], 3 << 6);  // scale 5 (0) | bits 2-3
    EXPECT_EQ(group.scales[2][3][1], 2 << 6);  // min 1 (0) | bits 4-5
    EXPECT_EQ(group.scales[0][3][2], 37);
    EXPECT_EQ(group.qs[2][5][3][1], 32 * 2 + 4 * 5 + 1);  // the row's qs[32c + 4k + b]
    EXPECT_EQ(group.qs[0][0][3][0], 0);
    EXPECT_EQ(group.qs[3][7][3][3], 127);
    EXPECT_EQ(group.qs[3][7][4][3], 0);  // row 4's
}

TEST(RowGroups, UngroupingGivesTheRowsBackByteForByte) {
    std::mt19937 rng(61);
    constexpr int64_t n = 768, rows = 32;
    const std::vector<uint8_t> plain = random_rows(rows, n, rng);
    const std::vector<uint8_t> grouped = grouped_copy(plain, rows, n);
    EXPECT_NE(grouped, plain);
    const size_t group_bytes = kGroupRows * row_bytes(GgmlType::Q4_K, n);
    for (const std::string& isa : all_isas()) {  // AVX-512 has a kernel of its own for it
        IsaScope scope(isa);
        if (!scope.ok()) continue;
        std::vector<uint8_t> back(plain.size());
        ungroup_rows(GgmlType::Q4_K, grouped.data(), rows / kGroupRows, n, back.data());
        EXPECT_EQ(back, plain) << isa;
        std::vector<uint8_t> second(group_bytes);  // one group alone
        ungroup_rows(GgmlType::Q4_K, grouped.data() + group_bytes, 1, n, second.data());
        EXPECT_TRUE(std::equal(second.begin(), second.end(), plain.begin() + group_bytes)) << isa;
    }
}

TEST(RowGroups, RefusesOtherTypesAndPartialGroups) {
    std::vector<uint8_t> bytes(16 * row_bytes(GgmlType::Q4_K, 256));
    EXPECT_THROW(group_rows(GgmlType::Q8_0, bytes.data(), 16, 256), std::invalid_argument);
    EXPECT_THROW(group_rows(GgmlType::Q4_K, bytes.data(), 8, 256), std::invalid_argument);
}

// Row ranges that start and end inside groups take the group's kernel and keep their rows.
TEST(RowGroups, GroupedRowsDotAsPlainRowsOnEveryIsa) {
    std::mt19937 rng(62);
    constexpr int64_t n = 1024, rows = 48;
    const auto [stride, plain, grouped] = both_layouts(rows, n, rng);
    const std::vector<float> x = random_floats(n, rng, 3.0f);
    QuantizedActivations quantized;
    quantized.quantize(ActivationFormat::Q8_256, x.data(), 1, n, n);
    for (const std::string& isa : all_isas()) {
        IsaScope scope(isa);
        if (!scope.ok()) continue;
        std::vector<float> expected(rows);
        dot_rows_q8(GgmlType::Q4_K, plain.data(), stride, rows, quantized.row(0), n, expected.data());
        for (auto [begin, end] : {std::pair<int64_t, int64_t>{0, 48}, {5, 37}, {16, 32}, {17, 18}, {40, 48}}) {
            std::vector<float> out(static_cast<size_t>(end - begin));
            dot_grouped_rows_q8(GgmlType::Q4_K, grouped.data(), begin, end, quantized.row(0), n, out.data());
            for (int64_t r = begin; r < end; ++r) EXPECT_EQ(out[r - begin], expected[r]) << isa << " row " << r;
        }
    }
}

// matvec, matmul (tiles of four, two or three tokens left, one left) and a batch, quantized and
// exact, on one and two threads: the grouped matrix gives the plain matrix's floats.
TEST(RowGroups, ProductsOverGroupedRowsEqualPlainRowsOnEveryIsa) {
    std::mt19937 rng(63);
    constexpr int64_t n = 512, rows = 64;
    const auto [stride, plain, grouped] = both_layouts(rows, n, rng);
    const WeightMatrix plain_w{GgmlType::Q4_K, plain.data(), n, rows, stride, false};
    const WeightMatrix grouped_w{GgmlType::Q4_K, grouped.data(), n, rows, stride, true};
    const std::vector<float> x = random_floats(9 * n, rng, 2.0f);
    ThreadPool one(1), two(2);
    for (const std::string& isa : all_isas()) {
        IsaScope scope(isa);
        if (!scope.ok()) continue;
        for (bool exact : {false, true}) {
            const ExactActivations mode(exact);
            for (ThreadPool* pool : {&one, &two}) {
                const std::string where = isa + (exact ? " exact " : " ") + std::to_string(pool->size()) + " threads";
                std::vector<float> a(rows), b(rows);
                matvec(plain_w, x.data(), a.data(), *pool);
                matvec(grouped_w, x.data(), b.data(), *pool);
                EXPECT_EQ(a, b) << where;
                for (int64_t tokens : {2, 3, 4, 5, 9}) {
                    std::vector<float> ya(tokens * rows), yb(tokens * rows);
                    matmul(plain_w, x.data(), n, tokens, ya.data(), rows, *pool);
                    matmul(grouped_w, x.data(), n, tokens, yb.data(), rows, *pool);
                    EXPECT_EQ(ya, yb) << where << " tokens=" << tokens;
                }
                std::vector<float> ya(9 * rows), yb(9 * rows);
                matmul_batch({{plain_w, x.data(), n, 9, ya.data(), rows}}, *pool);
                matmul_batch({{grouped_w, x.data(), n, 9, yb.data(), rows}}, *pool);
                EXPECT_EQ(ya, yb) << where << " batch";
            }
        }
    }
}

}  // namespace
}  // namespace moe::quant::test
