// Q4_K and Q5_0 rows stored 16 at a time (quant/row_groups.h): the layouts worked by hand, the way
// back to plain rows, and every product over grouped rows against the same rows stored plainly, bit
// for bit, on every ISA (those without grouped kernels lay each group out plainly first).
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

std::vector<uint8_t> random_rows(GgmlType type, int64_t rows, int64_t n, std::mt19937& rng) {
    std::vector<uint8_t> bytes;
    for (int64_t r = 0; r < rows; ++r) {
        const std::vector<uint8_t> row = random_row(type, n, rng);
        bytes.insert(bytes.end(), row.begin(), row.end());
    }
    return bytes;
}

std::vector<uint8_t> grouped_copy(GgmlType type, std::vector<uint8_t> plain, int64_t rows, int64_t n) {
    group_rows(type, plain.data(), rows, n);
    return plain;
}

// Random rows of n values, stored plainly and in groups.
struct BothLayouts {
    size_t stride;
    std::vector<uint8_t> plain, grouped;
};
BothLayouts both_layouts(GgmlType type, int64_t rows, int64_t n, std::mt19937& rng) {
    BothLayouts out{row_bytes(type, n), random_rows(type, rows, n, rng), {}};
    out.grouped = grouped_copy(type, out.plain, rows, n);
    return out;
}

class GroupedTypes : public ::testing::TestWithParam<GgmlType> {};

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
    const std::vector<uint8_t> grouped = grouped_copy(GgmlType::Q4_K, plain, rows, n);
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

// Row 5 of a group, block 1: d, codes and three fifth bits put by hand.
TEST(RowGroups, Q5_0LayoutByHand) {
    constexpr int64_t n = 64, rows = 16;
    std::vector<uint8_t> plain(rows * sizeof(BlockQ5_0) * 2, 0);
    BlockQ5_0& b = reinterpret_cast<BlockQ5_0*>(plain.data())[5 * 2 + 1];
    b.d = 0x3C00;
    for (int k = 0; k < 16; ++k) b.qs[k] = static_cast<uint8_t>(7 * k);
    b.qh[0] = 0x01;  // value 0
    b.qh[1] = 0x20;  // value 13
    b.qh[3] = 0x80;  // value 31
    const std::vector<uint8_t> grouped = grouped_copy(GgmlType::Q5_0, plain, rows, n);
    const auto& group = reinterpret_cast<const BlockQ5_0Group*>(grouped.data())[1];
    EXPECT_EQ(group.d[5], 0x3C00);
    EXPECT_EQ(group.d[4], 0);
    EXPECT_EQ(group.qs[2][5][1], 7 * 9);  // the row's qs[4j + b]
    EXPECT_EQ(group.qs[2][6][1], 0);  // row 6's
    EXPECT_EQ(load_fifth_bits(group, 0), uint64_t{1} << 20);  // lane 0, row 5, value 0: bit 4·5 + 0
    EXPECT_EQ(load_fifth_bits(group, 3), uint64_t{1} << 21);  // value 13: lane 3, bit 4·5 + 1
    EXPECT_EQ(load_fifth_bits(group, 7), uint64_t{1} << 23);  // value 31: lane 7, bit 4·5 + 3
    EXPECT_EQ(load_fifth_bits(group, 1), 0u);
}

TEST_P(GroupedTypes, UngroupingGivesTheRowsBackByteForByte) {
    const GgmlType type = GetParam();
    std::mt19937 rng(61);
    constexpr int64_t n = 768, rows = 32;
    const std::vector<uint8_t> plain = random_rows(type, rows, n, rng);
    const std::vector<uint8_t> grouped = grouped_copy(type, plain, rows, n);
    EXPECT_NE(grouped, plain);
    const size_t group_bytes = kGroupRows * row_bytes(type, n);
    for (const std::string& isa : all_isas()) {  // AVX-512 has a kernel of its own for q4_K
        IsaScope scope(isa);
        if (!scope.ok()) continue;
        std::vector<uint8_t> back(plain.size());
        ungroup_rows(type, grouped.data(), rows / kGroupRows, n, back.data());
        EXPECT_EQ(back, plain) << isa;
        std::vector<uint8_t> second(group_bytes);  // one group alone
        ungroup_rows(type, grouped.data() + group_bytes, 1, n, second.data());
        EXPECT_TRUE(std::equal(second.begin(), second.end(), plain.begin() + group_bytes)) << isa;
    }
}

TEST(RowGroups, RefusesOtherTypesAndPartialGroups) {
    std::vector<uint8_t> bytes(16 * row_bytes(GgmlType::Q4_K, 256));
    EXPECT_THROW(group_rows(GgmlType::Q8_0, bytes.data(), 16, 256), std::invalid_argument);
    EXPECT_THROW(group_rows(GgmlType::Q6_K, bytes.data(), 16, 256), std::invalid_argument);
    EXPECT_THROW(group_rows(GgmlType::Q4_K, bytes.data(), 8, 256), std::invalid_argument);
    EXPECT_THROW(group_rows(GgmlType::Q5_0, bytes.data(), 8, 256), std::invalid_argument);
}

// Row ranges that start and end inside groups take the group's kernel and keep their rows.
TEST_P(GroupedTypes, GroupedRowsDotAsPlainRowsOnEveryIsa) {
    const GgmlType type = GetParam();
    std::mt19937 rng(62);
    constexpr int64_t n = 1024, rows = 48;
    const auto [stride, plain, grouped] = both_layouts(type, rows, n, rng);
    const std::vector<float> x = random_floats(n, rng, 3.0f);
    QuantizedActivations quantized;
    quantized.quantize(activation_format(type), x.data(), 1, n, n);
    for (const std::string& isa : all_isas()) {
        IsaScope scope(isa);
        if (!scope.ok()) continue;
        std::vector<float> expected(rows);
        dot_rows_q8(type, plain.data(), stride, rows, quantized.row(0), n, expected.data());
        for (auto [begin, end] : {std::pair<int64_t, int64_t>{0, 48}, {5, 37}, {16, 32}, {17, 18}, {40, 48}}) {
            std::vector<float> out(static_cast<size_t>(end - begin));
            dot_grouped_rows_q8(type, grouped.data(), begin, end, quantized.row(0), n, out.data());
            for (int64_t r = begin; r < end; ++r) EXPECT_EQ(out[r - begin], expected[r]) << isa << " row " << r;
        }
    }
}

// A file may align its tensors to a single byte (general.alignment 1), so a copied tensor's groups
// can start at any address.
TEST_P(GroupedTypes, GroupsAtAnOddAddressDotTheSame) {
    const GgmlType type = GetParam();
    std::mt19937 rng(64);
    constexpr int64_t n = 512, rows = 32;
    const auto [stride, plain, grouped] = both_layouts(type, rows, n, rng);
    std::vector<uint8_t> shifted(grouped.size() + 1);
    std::copy(grouped.begin(), grouped.end(), shifted.begin() + 1);
    const std::vector<float> x = random_floats(n, rng, 2.0f);
    QuantizedActivations quantized;
    quantized.quantize(activation_format(type), x.data(), 1, n, n);
    for (const std::string& isa : all_isas()) {
        IsaScope scope(isa);
        if (!scope.ok()) continue;
        std::vector<float> expected(rows), out(rows);
        dot_rows_q8(type, plain.data(), stride, rows, quantized.row(0), n, expected.data());
        dot_grouped_rows_q8(type, shifted.data() + 1, 0, rows, quantized.row(0), n, out.data());
        EXPECT_EQ(out, expected) << isa;
        std::vector<uint8_t> back(plain.size());
        ungroup_rows(type, shifted.data() + 1, rows / kGroupRows, n, back.data());
        EXPECT_EQ(back, plain) << isa;
    }
}

// matvec, matmul (tiles of four, two or three tokens left, one left) and a batch, quantized and
// exact, on one and two threads: the grouped matrix gives the plain matrix's floats.
TEST_P(GroupedTypes, ProductsOverGroupedRowsEqualPlainRowsOnEveryIsa) {
    const GgmlType type = GetParam();
    std::mt19937 rng(63);
    constexpr int64_t n = 512, rows = 64;
    const auto [stride, plain, grouped] = both_layouts(type, rows, n, rng);
    const WeightMatrix plain_w{type, plain.data(), n, rows, stride, false};
    const WeightMatrix grouped_w{type, grouped.data(), n, rows, stride, true};
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

INSTANTIATE_TEST_SUITE_P(RowGroups, GroupedTypes, ::testing::Values(GgmlType::Q4_K, GgmlType::Q5_0),
                         [](const auto& info) { return type_name(info.param); });

}  // namespace
}  // namespace moe::quant::test
