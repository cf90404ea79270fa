// What the AVX-512 kernels for rows stored in groups (row_groups.h) share: how far ahead a mat-vec
// prefetches its groups, and the broadcast of four activation codes that meets four codes of
// each of 16 rows in one vpdpbusd. Included only by *_avx512.cpp files.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace moe::quant::detail {
namespace {

// Into L1, 16 KiB ahead. A grouped kernel reads each line with one load and few instructions, and
// kPrefetchDistance's L2 hint left the Q4_K one slower from DRAM than the plain rows' kernel: a
// 2048 × 87552 mat-vec on the Zen 5 VM, alternating in one process with the read probe at 74–75
// GB/s, streamed 52–54 GB/s plain and 58–62 grouped with the L2 hint 8 KiB ahead, 65–74 with the
// L1 hint 8 KiB ahead and 70–79 16 KiB ahead (one thread: 23–27 plain, 29–37 grouped). The plain
// kernels' hint was left as it is: at the 56 GB/s the host gave later, they showed no difference
// between the hints.
constexpr uintptr_t kGroupPrefetchDistance = 16384;

inline void prefetch_group_line(const void* line) {
    _mm_prefetch(static_cast<const char*>(line) + kGroupPrefetchDistance, _MM_HINT_T0);
}

// Every line of one group's block, for a kernel that takes the block whole. Unrolled: a loop over a
// Q4_K group's 36 lines that GCC left rolled took an eighth of a mat-vec's time in cache.
template <class Group>
inline void prefetch_group(const Group& g) {
#pragma GCC unroll 64
    for (size_t line = 0; line < sizeof(Group); line += 64) prefetch_group_line(reinterpret_cast<const char*>(&g) + line);
}

// Activation codes q[0..3] in every 32-bit lane.
inline __m512i broadcast_codes(const int8_t* q) {
    int32_t four;
    std::memcpy(&four, q, sizeof four);
    return _mm512_set1_epi32(four);
}

}  // namespace
}  // namespace moe::quant::detail
