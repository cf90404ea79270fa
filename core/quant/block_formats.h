// Byte layouts of the GGML quantized blocks (reference §4.2, §4.4), shared by the reference,
// SIMD and quantizer code. Every struct is the exact on-disk block; sizes are checked below.
#pragma once

#include <cstdint>
#include <cstring>

namespace moe::quant {

constexpr int kQK = 32;    // values per legacy block
constexpr int kQKK = 256;  // values per K-quant super-block

struct BlockQ4_0 {
    uint16_t d;        // f16
    uint8_t qs[16];    // value j: low nibble of qs[j]; value j+16: high nibble
};
struct BlockQ4_1 {
    uint16_t d;        // f16
    uint16_t m;        // f16
    uint8_t qs[16];
};
struct BlockQ5_0 {
    uint16_t d;        // f16
    uint8_t qh[4];     // bit j = 5th bit of value j (uint32 LE)
    uint8_t qs[16];
};
struct BlockQ5_1 {
    uint16_t d;        // f16
    uint16_t m;        // f16
    uint8_t qh[4];
    uint8_t qs[16];
};
struct BlockQ8_0 {
    uint16_t d;        // f16
    int8_t qs[32];
};
struct BlockQ2_K {
    uint8_t scales[16];  // low nibble scale, high nibble min, per 16 values
    uint8_t qs[64];      // 2-bit quants
    uint16_t d;          // f16
    uint16_t dmin;       // f16
};
struct BlockQ3_K {
    uint8_t hmask[32];   // high bit of each 3-bit quant
    uint8_t qs[64];      // low 2 bits
    uint8_t scales[12];  // 16 signed 6-bit scales
    uint16_t d;          // f16
};
struct BlockQ4_K {
    uint16_t d;          // f16
    uint16_t dmin;       // f16
    uint8_t scales[12];  // 8 × (6-bit scale, 6-bit min)
    uint8_t qs[128];
};
struct BlockQ5_K {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[12];
    uint8_t qh[32];
    uint8_t qs[128];
};
struct BlockQ6_K {
    uint8_t ql[128];     // low 4 bits
    uint8_t qh[64];      // high 2 bits
    int8_t scales[16];   // per 16 values
    uint16_t d;          // f16
};

// Super-block i of 16 Q4_K rows stored as one group (row_groups.h): the same bytes as the 16
// blocks, laid out so that a 512-bit vector holds four codes of each row, one row per 32-bit lane.
struct BlockQ4_KGroup {
    uint16_t d[16], dmin[16];  // row r's f16 scales
    // Lane r, byte b of the three 64-byte parts: scale_b, scale_{4+b} and min_b in the low 6 bits;
    // the top 2 bits of the three hold bits 0-1, 2-3 and 4-5 of min_{4+b}.
    uint8_t scales[3][16][4];
    uint8_t qs[4][8][16][4];  // [c][k][row][b]: the row's qs[32c + 4k + b]
};

// Block i of 16 Q5_0 rows stored as one group (row_groups.h): the same bytes as the 16 blocks. A
// 512-bit vector of qs holds four codes' low bits of each row, one row per 32-bit lane, for lanes
// j and j + 4 of llama.cpp's 8-lane dot; the fifth bits of lane j are one 64-bit mask.
struct BlockQ5_0Group {
    uint8_t qs[4][16][4];  // [j][row][b]: the row's qs[4j + b] (values 4j + b and 16 + 4j + b)
    uint8_t fifth_bits[8][8];  // lane j, a little-endian 64-bit mask: bit 4·row + b is the row's qh bit 4j + b
    uint16_t d[16];
};

static_assert(sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_1) == 20 && sizeof(BlockQ5_0) == 22 &&
              sizeof(BlockQ5_1) == 24 && sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ2_K) == 84 && sizeof(BlockQ3_K) == 110 && sizeof(BlockQ4_K) == 144 &&
              sizeof(BlockQ5_K) == 176 && sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockQ4_KGroup) == 16 * sizeof(BlockQ4_K) && sizeof(BlockQ5_0Group) == 16 * sizeof(BlockQ5_0));

// The helpers below have internal linkage: this header is also compiled into the AVX2/AVX-512
// files, and an out-of-line copy built with those flags must never be what the scalar code links to.
namespace {

// The 32-bit little-endian qh field of Q5_0/Q5_1 (blocks are only 2-byte aligned).
inline uint32_t load_qh32(const uint8_t qh[4]) {
    return uint32_t{qh[0]} | uint32_t{qh[1]} << 8 | uint32_t{qh[2]} << 16 | uint32_t{qh[3]} << 24;
}

// Lane j's fifth-bit mask of a BlockQ5_0Group (groups can sit at any byte offset of a file).
inline uint64_t load_fifth_bits(const BlockQ5_0Group& g, int j) {
    uint64_t mask;
    std::memcpy(&mask, g.fifth_bits[j], sizeof mask);
    return mask;
}

// Q4_K/Q5_K: 6-bit scale and min of sub-block b (0..7) from the 12 packed bytes.
inline void k_scale_min(const uint8_t s[12], int b, int& scale, int& min) {
    if (b < 4) {
        scale = s[b] & 63;
        min = s[b + 4] & 63;
    } else {
        scale = (s[b + 4] & 0xF) | ((s[b - 4] >> 6) << 4);
        min = (s[b + 4] >> 4) | ((s[b] >> 6) << 4);
    }
}

// Q3_K: signed 6-bit scale of sub-block j (0..15).
inline int q3k_scale(const uint8_t s[12], int j) {
    int low4 = j < 8 ? s[j] & 0xF : s[j - 8] >> 4;
    int high2 = (s[8 + (j % 4)] >> (2 * (j / 4))) & 3;
    return (low4 | high2 << 4) - 32;
}

}  // namespace

}  // namespace moe::quant
