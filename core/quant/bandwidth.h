// Sustained main-memory read bandwidth: the ceiling that single-token decode is measured against.
#pragma once

#include <cstddef>

namespace moe {

class ThreadPool;

// Sums a `bytes`-long buffer (much larger than the caches) with every pool thread reading its own
// contiguous slice; returns the best of a few runs in GB/s (1e9 bytes per second).
double measure_read_bandwidth_gbs(ThreadPool& pool, size_t bytes = 1ull << 30);

}  // namespace moe
