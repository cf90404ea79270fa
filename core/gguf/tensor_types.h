// ggml tensor type ids as stored in GGUF tensor infos, and their block geometry.
// These are file-format facts (reference §4.1); compute kernels live in core/quant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace moe {

enum class GgmlType : uint32_t {
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    IQ2_XXS = 16,
    IQ2_XS = 17,
    IQ3_XXS = 18,
    IQ1_S = 19,
    IQ4_NL = 20,
    IQ3_S = 21,
    IQ2_S = 22,
    IQ4_XS = 23,
    I8 = 24,
    I16 = 25,
    I32 = 26,
    I64 = 27,
    F64 = 28,
    IQ1_M = 29,
    BF16 = 30,
    TQ1_0 = 34,
    TQ2_0 = 35,
    MXFP4 = 39,
};

struct TypeTraits {
    const char* name;    // ggml spelling: "f32", "q4_K", ...
    int64_t block_size;  // values per block
    int64_t type_size;   // bytes per block
};

// nullptr for ids that are unknown or were removed from the format (block size 0).
const TypeTraits* type_traits(uint32_t type_id);

// "q4_K", or "type 77" for an unknown id.
std::string type_name(uint32_t type_id);
inline std::string type_name(GgmlType t) { return type_name(static_cast<uint32_t>(t)); }

// Bytes of one row of n values; n must be a multiple of the block size.
size_t row_bytes(GgmlType type, int64_t n);

}  // namespace moe
