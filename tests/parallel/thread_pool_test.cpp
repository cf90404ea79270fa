#include "parallel/thread_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace moe {
namespace {

struct ChunkRecord {
    int64_t begin, end;
    int thread_index;
};

// Runs one loop and records every chunk and how often each index ran.
struct Recorder {
    explicit Recorder(int64_t n) : hits(static_cast<size_t>(std::max<int64_t>(n, 0))) {}
    ThreadPool::Chunk chunk() {
        return [this](int64_t begin, int64_t end, int thread_index) {
            for (int64_t i = begin; i < end; ++i) hits[i].fetch_add(1);
            std::lock_guard<std::mutex> lock(mutex);
            chunks.push_back({begin, end, thread_index});
        };
    }
    void expect_each_index_once() const {
        for (size_t i = 0; i < hits.size(); ++i) ASSERT_EQ(hits[i].load(), 1) << "index " << i;
    }
    std::vector<std::atomic<int>> hits;
    std::vector<ChunkRecord> chunks;
    std::mutex mutex;
};

TEST(ThreadPool, EveryIndexRunsExactlyOnceInGrainAlignedChunks) {
    for (int threads : {1, 2, 3, 4, 8}) {
        ThreadPool pool(threads);
        EXPECT_EQ(pool.size(), threads);
        for (int64_t n : {1, 2, 3, 7, 16, 17, 100, 1000, 4097}) {
            for (int64_t grain : {1, 3, 16, 64}) {
                SCOPED_TRACE("threads " + std::to_string(threads) + " n " + std::to_string(n) + " grain " +
                             std::to_string(grain));
                Recorder r(n);
                pool.parallel_for(n, r.chunk(), grain);
                r.expect_each_index_once();
                for (const ChunkRecord& c : r.chunks) {
                    EXPECT_EQ(c.begin % grain, 0);
                    EXPECT_TRUE(c.end == n || (c.end - c.begin) % grain == 0);
                    EXPECT_GE(c.thread_index, 0);
                    EXPECT_LT(c.thread_index, threads);
                }
            }
        }
    }
}

TEST(ThreadPool, EmptyAndNegativeRangesCallNothing) {
    ThreadPool pool(3);
    int calls = 0;
    const ThreadPool::Chunk count = [&](int64_t, int64_t, int) { ++calls; };
    pool.parallel_for(0, count);
    pool.parallel_for(-5, count, 4);
    pool.parallel_for_weighted(0, [](int64_t) { return int64_t{0}; }, count);
    EXPECT_EQ(calls, 0);
    EXPECT_EQ(pool.stats().loops, 0u);
}

TEST(ThreadPool, ARangeWithinOneGrainRunsAsOneChunkOnTheCaller) {
    ThreadPool pool(4);
    Recorder r(10);
    pool.parallel_for(10, r.chunk(), 16);
    ASSERT_EQ(r.chunks.size(), 1u);
    EXPECT_EQ(r.chunks[0].begin, 0);
    EXPECT_EQ(r.chunks[0].end, 10);
    EXPECT_EQ(r.chunks[0].thread_index, 0);
    EXPECT_EQ(pool.stats().loops, 0u);  // no barrier was needed
}

// Costs: 32 rows of 10 (say Q8_0) then 32 rows of 1 (Q2_K). Equal-count chunks of 8 rows would
// carry 80 against an average of 352 / 8 = 44 per chunk.
std::vector<int64_t> two_type_prefix() {
    std::vector<int64_t> prefix{0};
    for (int i = 0; i < 64; ++i) prefix.push_back(prefix.back() + (i < 32 ? 10 : 1));
    return prefix;
}

ThreadPool::CostBefore cost_of(const std::vector<int64_t>& prefix) {
    return [&prefix](int64_t i) { return prefix[i]; };
}

// Guided chunks: each carries 1/(2·threads) of the cost still left, at least 1/(32·threads) of the
// whole, plus at most one row past its share. With 2 threads and 352: 88 first (a quarter), then
// shrinking to the smallest share, 352 / 64 = 5 (rounded down), so the last chunks are small.
TEST(ThreadPool, WeightedChunksShrinkTowardTheEnd) {
    ThreadPool pool(2);
    const std::vector<int64_t> prefix = two_type_prefix();
    ASSERT_EQ(prefix.back(), 352);
    Recorder r(64);
    pool.parallel_for_weighted(64, cost_of(prefix), r.chunk());
    r.expect_each_index_once();
    std::sort(r.chunks.begin(), r.chunks.end(), [](const ChunkRecord& a, const ChunkRecord& b) { return a.begin < b.begin; });
    ASSERT_GE(r.chunks.size(), 8u);
    for (const ChunkRecord& c : r.chunks) {
        const int64_t left = 352 - prefix[c.begin];
        const int64_t share = std::max<int64_t>(5, left / 4);
        const int64_t cost = prefix[c.end] - prefix[c.begin];
        EXPECT_GE(cost, std::min(share, left)) << "[" << c.begin << ", " << c.end << ")";
        EXPECT_LE(cost, share + 9) << "[" << c.begin << ", " << c.end << ")";  // a share plus less than one row
    }
    EXPECT_EQ(prefix[r.chunks[0].end], 90);  // the first row whose running cost reaches 88
    EXPECT_LE(prefix[r.chunks.back().end] - prefix[r.chunks.back().begin], 5);
}

TEST(ThreadPool, WeightedChunksRespectTheGrainAndCoverEveryIndex) {
    for (int threads : {1, 2, 3, 5}) {
        ThreadPool pool(threads);
        for (int64_t grain : {1, 4, 16, 100}) {
            SCOPED_TRACE("threads " + std::to_string(threads) + " grain " + std::to_string(grain));
            const std::vector<int64_t> prefix = two_type_prefix();
            Recorder r(64);
            pool.parallel_for_weighted(64, cost_of(prefix), r.chunk(), grain);
            r.expect_each_index_once();
            for (const ChunkRecord& c : r.chunks) {
                EXPECT_EQ(c.begin % grain, 0);
                EXPECT_TRUE(c.end == 64 || (c.end - c.begin) % grain == 0);
            }
        }
    }
}

TEST(ThreadPool, WeightedLoopWithZeroCostIndicesStillRunsThem) {
    ThreadPool pool(2);
    const std::vector<int64_t> prefix(101, 0);  // 100 indices, all free
    Recorder r(100);
    pool.parallel_for_weighted(100, cost_of(prefix), r.chunk());
    r.expect_each_index_once();
}

TEST(ThreadPool, NestedLoopOnTheSamePoolRunsInlineOnTheCallingThread) {
    for (int threads : {1, 2, 4}) {
        ThreadPool pool(threads);
        constexpr int64_t kOuter = 16, kInner = 100;
        std::vector<std::atomic<int>> hits(kOuter * kInner);
        std::atomic<int> inner_chunks{0}, wrong_thread{0};
        pool.parallel_for(kOuter, [&](int64_t begin, int64_t end, int outer_thread) {
            for (int64_t i = begin; i < end; ++i) {
                pool.parallel_for(kInner, [&](int64_t b, int64_t e, int inner_thread) {
                    inner_chunks.fetch_add(1);
                    if (inner_thread != outer_thread || b != 0 || e != kInner) wrong_thread.fetch_add(1);
                    for (int64_t j = b; j < e; ++j) hits[i * kInner + j].fetch_add(1);
                });
            }
        });
        for (size_t k = 0; k < hits.size(); ++k) ASSERT_EQ(hits[k].load(), 1) << k;
        EXPECT_EQ(inner_chunks.load(), kOuter);  // one whole chunk per inner loop
        EXPECT_EQ(wrong_thread.load(), 0);
    }
}

TEST(ThreadPool, APoolMayRunInsideAnotherPoolsChunk) {
    ThreadPool outer(2), inner(3);
    std::vector<std::atomic<int>> hits(8 * 50);
    outer.parallel_for(8, [&](int64_t begin, int64_t end, int) {
        for (int64_t i = begin; i < end; ++i) {
            inner.parallel_for(50, [&](int64_t b, int64_t e, int) {
                for (int64_t j = b; j < e; ++j) hits[i * 50 + j].fetch_add(1);
            }, 5);
            outer.parallel_for(3, [](int64_t, int64_t, int) {});  // back on the outer pool: inline
        }
    });
    for (size_t k = 0; k < hits.size(); ++k) ASSERT_EQ(hits[k].load(), 1) << k;
}

TEST(ThreadPool, AnExceptionInAChunkReachesTheCallerAndThePoolStaysUsable) {
    for (int threads : {1, 2, 4}) {
        ThreadPool pool(threads);
        for (int round = 0; round < 50; ++round) {
            try {
                pool.parallel_for(1000, [](int64_t begin, int64_t end, int) {
                    if (begin <= 737 && 737 < end) throw std::runtime_error("index 737 failed");
                });
                FAIL() << "no exception";
            } catch (const std::runtime_error& e) {
                EXPECT_STREQ(e.what(), "index 737 failed");
            }
            Recorder r(1000);
            pool.parallel_for(1000, r.chunk());
            r.expect_each_index_once();
        }
    }
}

TEST(ThreadPool, WhenEveryChunkThrowsExactlyOneExceptionComesOut) {
    ThreadPool pool(4);
    for (int round = 0; round < 200; ++round) {
        std::atomic<int> started{0};
        EXPECT_THROW(pool.parallel_for(64, [&](int64_t, int64_t, int) {
            started.fetch_add(1);
            throw std::logic_error("chunk failed");
        }), std::logic_error);
        EXPECT_GE(started.load(), 1);
        EXPECT_LE(started.load(), 16);  // at most the 4 × 4 chunks
    }
    Recorder r(64);
    pool.parallel_for(64, r.chunk());
    r.expect_each_index_once();
}

TEST(ThreadPool, ThousandsOfShortLoopsInARowWithPausesThatLetWorkersSleep) {
    for (int threads : {2, 3, 4}) {
        ThreadPool pool(threads);
        for (int loop = 0; loop < 5000; ++loop) {
            const int64_t n = 2 + loop % 4;
            std::atomic<int64_t> sum{0};
            pool.parallel_for(n, [&](int64_t begin, int64_t end, int) {
                for (int64_t i = begin; i < end; ++i) sum.fetch_add(i + 1);
            });
            ASSERT_EQ(sum.load(), n * (n + 1) / 2) << "loop " << loop;
            // Now and then idle long enough for the workers to go to sleep: the wake-up path.
            if (loop % 500 == 499) std::this_thread::sleep_for(std::chrono::milliseconds(3));
        }
        EXPECT_EQ(pool.stats().loops, 5000u);
    }
}

TEST(ThreadPool, LoopsFromSeveralOutsideThreadsAreSerialised) {
    ThreadPool pool(3);
    std::atomic<int> errors{0};
    auto caller = [&](int64_t n) {
        for (int loop = 0; loop < 1000; ++loop) {
            std::vector<std::atomic<int>> hits(n);
            pool.parallel_for(n, [&](int64_t begin, int64_t end, int) {
                for (int64_t i = begin; i < end; ++i) hits[i].fetch_add(1);
            });
            for (auto& h : hits)
                if (h.load() != 1) errors.fetch_add(1);
        }
    };
    std::thread a(caller, 37), b(caller, 64);
    caller(100);
    a.join();
    b.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(pool.stats().loops, 3000u);
}

TEST(ThreadPool, DestroyingAnIdleOrSleepingPoolReturns) {
    for (int threads : {1, 2, 8}) {
        auto pool = std::make_unique<ThreadPool>(threads);
        pool->parallel_for(100, [](int64_t, int64_t, int) {});
        std::this_thread::sleep_for(std::chrono::milliseconds(2));  // past the spin: workers asleep
        pool.reset();
        auto fresh = std::make_unique<ThreadPool>(threads);  // destroyed while still spinning
        fresh.reset();
    }
}

}  // namespace
}  // namespace moe
