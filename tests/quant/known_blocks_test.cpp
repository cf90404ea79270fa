// One block per format built by hand, with expected values worked out on paper from the formulas
// of reference §4.2/§4.4, so a layout mistake cannot hide behind fast == reference agreement.
#include <gtest/gtest.h>

#include <cstring>
#include <utility>
#include <vector>

#include "quant/quant.h"
#include "quant_test_util.h"

namespace moe::quant::test {
namespace {

using Expected = std::vector<std::pair<int, float>>;  // (index, value)

void put_half(std::vector<uint8_t>& block, size_t offset, uint16_t h) {
    block[offset] = static_cast<uint8_t>(h);
    block[offset + 1] = static_cast<uint8_t>(h >> 8);
}

// Checks the reference and every available ISA, through dequantize_row and through dot_row with a
// one-hot x.
void expect_block(GgmlType type, const std::vector<uint8_t>& block, const Expected& expected) {
    const int64_t n = block_size(type) == 1 ? static_cast<int64_t>(block.size() / (type == GgmlType::F32 ? 4 : 2))
                                            : block_size(type);
    ASSERT_EQ(block.size(), row_bytes(type, n));
    std::vector<float> values(static_cast<size_t>(n));
    dequantize_row_reference(type, block.data(), values.data(), n);
    for (auto [i, v] : expected) EXPECT_EQ(values[static_cast<size_t>(i)], v) << type_name(type) << " reference y[" << i << "]";
    for (const std::string& isa : all_isas()) {
        IsaScope scope(isa);
        if (!scope.ok()) continue;
        dequantize_row(type, block.data(), values.data(), n);
        std::vector<float> one_hot(static_cast<size_t>(n), 0.0f);
        for (auto [i, v] : expected) {
            EXPECT_EQ(values[static_cast<size_t>(i)], v) << type_name(type) << " " << isa << " y[" << i << "]";
            one_hot[static_cast<size_t>(i)] = 1.0f;
            EXPECT_EQ(dot_row(type, block.data(), one_hot.data(), n), v) << type_name(type) << " " << isa << " dot at " << i;
            one_hot[static_cast<size_t>(i)] = 0.0f;
        }
    }
}

TEST(KnownBlocks, Q4_0) {
    std::vector<uint8_t> b(18, 0);
    put_half(b, 0, 0x4000);  // d = 2
    for (int j = 0; j < 16; ++j) b[2 + j] = static_cast<uint8_t>(j | (15 - j) << 4);
    // y[j] = 2·(j − 8), y[j+16] = 2·((15 − j) − 8)
    expect_block(GgmlType::Q4_0, b, {{0, -16}, {5, -6}, {15, 14}, {16, 14}, {20, 6}, {31, -16}});
}

TEST(KnownBlocks, MXFP4) {
    // e = 127: scale 2^0, each code is its E2M1 value (bit 3 the sign; 0, .5, 1, 1.5, 2, 3, 4, 6).
    std::vector<uint8_t> b(17, 0);
    b[0] = 127;
    for (int j = 0; j < 16; ++j) b[1 + j] = static_cast<uint8_t>(j | (15 - j) << 4);
    expect_block(GgmlType::MXFP4, b, {{0, 0}, {1, 0.5f}, {3, 1.5f}, {5, 3}, {7, 6}, {8, 0}, {9, -0.5f},
                                      {15, -6}, {16, -6}, {18, -3}, {23, -0}, {24, 6}, {30, 0.5f}});
    b[0] = 130;  // scale 2^3
    expect_block(GgmlType::MXFP4, b, {{1, 4}, {7, 48}, {14, -32}});
    b[0] = 0;  // scale 2^-127, a subnormal: code 1 (0.5) is 2^-128
    expect_block(GgmlType::MXFP4, b, {{1, 0x1p-128f}, {7, 6 * 0x1p-127f}, {16, -6 * 0x1p-127f}});
}

TEST(KnownBlocks, Q4_1) {
    std::vector<uint8_t> b(20, 0);
    put_half(b, 0, 0x3C00);  // d = 1
    put_half(b, 2, 0xC000);  // m = −2
    for (int j = 0; j < 16; ++j) b[4 + j] = 0x3A;  // low 10, high 3
    expect_block(GgmlType::Q4_1, b, {{0, 8}, {15, 8}, {16, 1}, {31, 1}});
}

TEST(KnownBlocks, Q5_0) {
    std::vector<uint8_t> b(22, 0);
    put_half(b, 0, 0x3800);  // d = 0.5
    b[2] = 0x01;             // qh bit 0
    b[5] = 0x80;             // qh bit 31
    b[6] = 0xF3;             // qs[0]: low 3, high 15
    // y[0] = 0.5·((3|16) − 16), y[16] = 0.5·(15 − 16), y[1] = 0.5·(0 − 16), y[31] = 0.5·((0|16) − 16)
    expect_block(GgmlType::Q5_0, b, {{0, 1.5f}, {16, -0.5f}, {1, -8}, {15, -8}, {31, 0}});
}

TEST(KnownBlocks, Q5_1) {
    std::vector<uint8_t> b(24, 0);
    put_half(b, 0, 0x3C00);  // d = 1
    put_half(b, 2, 0x3C00);  // m = 1
    b[6] = 0x01;             // qh bit 16
    for (int j = 0; j < 16; ++j) b[8 + j] = 0x21;  // low 1, high 2
    expect_block(GgmlType::Q5_1, b, {{0, 2}, {1, 2}, {16, 19}, {17, 3}});
}

TEST(KnownBlocks, Q8_0) {
    std::vector<uint8_t> b(34, 0);
    put_half(b, 0, 0x3800);  // d = 0.5
    for (int i = 0; i < 32; ++i) b[2 + i] = static_cast<uint8_t>(static_cast<int8_t>(i - 16));
    expect_block(GgmlType::Q8_0, b, {{0, -8}, {16, 0}, {31, 7.5f}, {3, -6.5f}});
}

TEST(KnownBlocks, Q2_K) {
    std::vector<uint8_t> b(84, 0);
    b[0] = 0x21;   // sub-block 0: scale 1, min 2
    b[1] = 0x13;   // sub-block 1: scale 3, min 1
    b[2] = 0x52;   // sub-block 2: scale 2, min 5
    b[15] = 0xF4;  // sub-block 15: scale 4, min 15
    b[16 + 0] = 0xE4;   // qs[0]: fields 0,1,2,3 for k = 0..3
    b[16 + 16] = 0x03;  // qs[16]: 3 at k = 0
    b[16 + 63] = 0xC0;  // qs[63]: 3 at k = 3
    put_half(b, 80, 0x3C00);  // d = 1
    put_half(b, 82, 0x3800);  // dmin = 0.5
    // y = d·sc·q − dmin·m with sub-block j = out / 16
    expect_block(GgmlType::Q2_K, b,
                 {{0, -1}, {1, -1}, {16, 8.5f}, {17, -0.5f}, {32, -0.5f}, {64, 0}, {255, 4.5f}});
}

TEST(KnownBlocks, Q3_K) {
    std::vector<uint8_t> b(110, 0);
    uint8_t* scales = b.data() + 96;
    for (int i = 8; i < 12; ++i) scales[i] = 0xAA;  // every high2 = 2: all scales (0|2<<4) − 32 = 0
    scales[0] = 0x05;  // s0 = (5 | 2<<4) − 32 = 5
    scales[1] = 0x0F;  // s1 low4 = 15 ...
    scales[9] = 0xAB;  // ... high2 = 3: s1 = 63 − 32 = 31
    scales[11] = 0x2A;  // s15 = (0 | 0<<4) − 32 = −32
    b[32 + 0] = 0x02;   // qs[0]: q2 = 2 at k = 0
    b[0] = 0x01;        // hmask[0] bit 0: no −4
    b[32 + 16] = 0x03;  // qs[16]: q2 = 3 at k = 0
    b[32 + 63] = 0x40;  // qs[63]: q2 = 1 at k = 3
    b[31] = 0x80;       // hmask[31] bit 7 (n = 1, k = 3)
    put_half(b, 108, 0x3C00);  // d = 1
    expect_block(GgmlType::Q3_K, b, {{0, 10}, {1, -20}, {16, -31}, {255, -32}, {32, 0}});
}

// Scales shared by the Q4_K and Q5_K blocks below: sub-block 0 (10, 3), 5 (33, 50), 7 (63, 1),
// every other (0, 0); bytes worked out by hand from the packing table.
void put_k_scales(std::vector<uint8_t>& b) {
    const uint8_t s[12] = {10, 0x80, 0, 0xC0, 3, 0xC0, 0, 0, 0, 0x21, 0, 0x1F};
    std::memcpy(b.data() + 4, s, 12);
    put_half(b, 0, 0x3C00);  // d = 1
    put_half(b, 2, 0x3800);  // dmin = 0.5
}

TEST(KnownBlocks, Q4_K) {
    std::vector<uint8_t> b(144, 0);
    put_k_scales(b);
    b[16 + 0] = 0x07;   // y[0]: sub-block 0, q 7
    b[16 + 67] = 0xF0;  // y[163]: chunk 2 high nibble (sub-block 5), q 15
    b[16 + 127] = 0x20;  // y[255]: sub-block 7, q 2
    // y[0] = 10·7 − 0.5·3; y[163] = 33·15 − 0.5·50; y[160] = −25; y[255] = 63·2 − 0.5·1
    expect_block(GgmlType::Q4_K, b, {{0, 68.5f}, {1, -1.5f}, {32, 0}, {131, 0}, {160, -25}, {163, 470}, {223, 0}, {255, 125.5f}});
}

TEST(KnownBlocks, Q5_K) {
    std::vector<uint8_t> b(176, 0);
    put_k_scales(b);
    b[16 + 0] = 0x01;    // qh[0] bit 0: +16 for y[0]
    b[16 + 3] = 0x20;    // qh[3] bit 5 (chunk 2, high half): +16 for y[163]
    b[16 + 31] = 0x80;   // qh[31] bit 7: +16 for y[255]
    b[48 + 0] = 0x07;
    b[48 + 67] = 0xF0;
    b[48 + 127] = 0x20;
    expect_block(GgmlType::Q5_K, b, {{0, 228.5f}, {1, -1.5f}, {131, 0}, {160, -25}, {163, 998}, {255, 1133.5f}});
}

TEST(KnownBlocks, Q6_K) {
    std::vector<uint8_t> b(210, 0);
    uint8_t* ql = b.data();
    uint8_t* qh = b.data() + 128;
    auto* scales = reinterpret_cast<int8_t*>(b.data() + 192);
    scales[0] = 3;
    scales[1] = -1;
    scales[6] = -128;
    scales[15] = 127;
    ql[0] = 0x05;
    qh[0] = 0xC2;   // bits 0-1 = 2 (y[0]), bits 6-7 = 3 (y[96])
    ql[32] = 0xF0;  // high nibble 15 (y[96])
    ql[127] = 0x10;  // high nibble 1 (y[255])
    qh[63] = 0x40;   // bits 6-7 = 1 (y[255])
    put_half(b, 208, 0x4000);  // d = 2
    // y[0] = 2·3·((5|32) − 32); y[16] = 2·(−1)·(0 − 32); y[96] = 2·(−128)·((15|48) − 32);
    // y[255] = 2·127·((1|16) − 32)
    expect_block(GgmlType::Q6_K, b, {{0, 30}, {16, 64}, {32, 0}, {64, 0}, {96, -7936}, {128, 0}, {255, -3810}});
}

TEST(KnownBlocks, PlainFloats) {
    expect_block(GgmlType::F16, {0x00, 0x3C, 0x00, 0xC0, 0x01, 0x00, 0xFF, 0x7B}, {{0, 1}, {1, -2}, {2, 0x1p-24f}, {3, 65504}});
    expect_block(GgmlType::BF16, {0x80, 0x3F, 0x00, 0xC0, 0x49, 0x40}, {{0, 1}, {1, -2}, {2, 3.140625f}});
    std::vector<uint8_t> f32(12);
    const float v[3] = {1.5f, -0.25f, 1e30f};
    std::memcpy(f32.data(), v, 12);
    expect_block(GgmlType::F32, f32, {{0, 1.5f}, {1, -0.25f}, {2, 1e30f}});
}

}  // namespace
}  // namespace moe::quant::test
