#include "quant/bandwidth.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <vector>

#include "parallel/thread_pool.h"
#include "quant/kernel_table.h"
#include "util/huge_pages.h"

namespace moe {
namespace {

// Eight independent sums so the loop is limited by loads, not by one add chain; plain integer
// code the compiler vectorises for whatever the baseline instruction set is. With or without
// software prefetch as the kernels do it (kPrefetchDistance ahead into L2). Prefetching
// raised this probe by ~15% on the first dev VM and lowers it by 1–6 % on the Zen 5 one, whose
// hardware prefetcher streams a plain read best, so the probe measures both ways and keeps the
// better: the best streaming rate we know of.
template <bool kPrefetch>
uint64_t sum_words(const uint64_t* p, int64_t n) {
    uint64_t s[8] = {};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        if constexpr (kPrefetch)
            __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<uintptr_t>(p + i) + quant::detail::kPrefetchDistance), 0, 2);
        for (int k = 0; k < 8; ++k) s[k] += p[i + k];
    }
    for (; i < n; ++i) s[0] += p[i];
    uint64_t total = 0;
    for (uint64_t v : s) total += v;
    return total;
}

}  // namespace

ReadBandwidthProbe::ReadBandwidthProbe(ThreadPool& pool, size_t bytes)
    // In 2 MiB pages, as the weights are by default (util/huge_pages.h): the best rate we know of.
    : pool_(pool), memory_(std::max(bytes, sizeof(uint64_t))), n_words_(static_cast<int64_t>(bytes / sizeof(uint64_t))) {
    auto* const words = reinterpret_cast<uint64_t*>(memory_.data());
    // First touch from the threads that will read, so pages are mapped before timing.
    pool_.parallel_for(n_words_, [&](int64_t begin, int64_t end, int) {
        std::memset(words + begin, 1, static_cast<size_t>(end - begin) * sizeof(uint64_t));
    });
}

double ReadBandwidthProbe::measure(int runs) {
    if (n_words_ == 0) return 0.0;
    const auto* const words = reinterpret_cast<const uint64_t*>(memory_.data());
    std::vector<uint64_t> sums(static_cast<size_t>(pool_.size()), 0);
    double best_seconds = 1e30;
    for (int run = 0; run < 2 * runs; ++run) {
        const bool prefetch = run % 2 == 1;
        const auto start = std::chrono::steady_clock::now();
        pool_.parallel_for(n_words_, [&](int64_t begin, int64_t end, int thread) {
            const uint64_t sum = prefetch ? sum_words<true>(words + begin, end - begin)
                                          : sum_words<false>(words + begin, end - begin);
            sums[static_cast<size_t>(thread)] += sum;
        });
        const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
        best_seconds = std::min(best_seconds, elapsed.count());
    }
    // Keep the sums observable so the reads cannot be optimised away.
    volatile uint64_t sink = 0;
    for (uint64_t s : sums) sink = sink + s;
    return static_cast<double>(n_words_) * sizeof(uint64_t) / best_seconds / 1e9;
}

double measure_read_bandwidth_gbs(ThreadPool& pool, size_t bytes) {
    ReadBandwidthProbe probe(pool, bytes);
    return probe.measure(4);
}

}  // namespace moe
