// Layout facts shared by the GGUF reader and writer (reference §1.1). Internal to core/gguf.
#pragma once

#include <cstdint>

namespace moe::gguf::layout {

inline constexpr char kMagic[4] = {'G', 'G', 'U', 'F'};
inline constexpr uint32_t kVersion = 3;  // the version we write and the newest we read
inline constexpr uint32_t kMaxDims = 4;
inline constexpr const char* kAlignmentKey = "general.alignment";
// llama.cpp writes 32; a larger power of two is legal, but above this it only makes a hostile
// file's padding cost memory (a 1 GiB alignment made the writer allocate 1 GiB of zeros).
inline constexpr uint64_t kMaxAlignment = 1u << 20;

inline constexpr uint64_t align_up(uint64_t x, uint64_t alignment) {
    return (x + alignment - 1) / alignment * alignment;
}

inline constexpr bool is_power_of_two(uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }

}  // namespace moe::gguf::layout
