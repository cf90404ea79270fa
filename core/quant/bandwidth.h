// Sustained main-memory read bandwidth: the ceiling that single-token decode is measured against.
#pragma once

#include <cstddef>
#include <cstdint>

#include "util/huge_pages.h"

namespace moe {

class ThreadPool;

// A buffer much larger than the caches, mapped and touched once, that every pool thread sums
// a contiguous slice of: measure() can then run between other work without page faults.
class ReadBandwidthProbe {
public:
    ReadBandwidthProbe(ThreadPool& pool, size_t bytes);
    // The best of `runs` reads each way (with and without software prefetch), in GB/s (1e9 bytes
    // per second).
    double measure(int runs);

private:
    ThreadPool& pool_;
    HugePageMemory memory_;
    int64_t n_words_;
};

// One probe of `bytes`, the best of four runs each way.
double measure_read_bandwidth_gbs(ThreadPool& pool, size_t bytes = 1ull << 30);

}  // namespace moe
