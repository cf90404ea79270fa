// A fixed set of worker threads for data-parallel loops in the forward pass.
// A loop is cut into chunks that shrink toward its end (guided: each takes a share of the cost
// still left), which every thread, the caller included, claims from a shared counter: the threads
// finish within a small chunk of each other, and when the machine is busy and a worker is
// descheduled, the others take its share instead of waiting for it. Idle workers spin for a
// bounded time (a forward pass issues dozens of short loops per token and a futex wake-up costs
// tens of microseconds), then sleep, so an idle app costs no CPU.
//
// Behaviour at the edges (tests/parallel/thread_pool_test.cpp checks each):
// - n <= 0: returns at once without calling fn.
// - Nested use: fn may call parallel_for on the same pool; the inner loop runs whole on the
//   thread that called it, with that thread's thread_index (no deadlock, no extra threads).
// - Calls from several outside threads at once are serialised: one loop runs at a time. So a
//   chunk must not wait for another thread that calls this pool (e.g. a worker of a second
//   pool used inside the chunk): that is a lock cycle.
// - A chunk that throws: chunks not yet started are skipped, the running ones finish, and
//   parallel_for rethrows the first exception in the caller. The pool stays usable.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace moe {

class ThreadPool {
public:
    using Chunk = std::function<void(int64_t begin, int64_t end, int thread_index)>;

    // n_threads counts the calling thread too; 0 picks std::thread::hardware_concurrency().
    explicit ThreadPool(int n_threads = 0);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return n_threads_; }

    // The pause to put in a spin-wait loop (x86 `pause`): frees the core's shared resources.
    static void relax();

    // Calls fn on disjoint chunks covering [0, n), each a multiple of `grain` long (but the
    // last), and returns when all are done. thread_index (0 = caller) tells which thread runs a
    // chunk, for per-thread scratch.
    void parallel_for(int64_t n, const Chunk& fn, int64_t grain = 1);

    // The same over indices whose costs differ (e.g. weight rows of different types): chunks are
    // cut by cost rather than by count. cost_before(i) is the total cost of
    // indices [0, i) for 0 <= i <= n, non-decreasing, with cost_before(0) = 0.
    using CostBefore = std::function<int64_t(int64_t i)>;
    void parallel_for_weighted(int64_t n, const CostBefore& cost_before, const Chunk& fn, int64_t grain = 1);

    // How many loops were handed to the workers (each ends at a barrier), and how long the
    // workers (not the caller) spent inside chunks, since construction.
    struct Stats {
        uint64_t loops = 0;
        std::chrono::nanoseconds worker_busy{0};
    };
    Stats stats() const;

private:
    void worker_loop(int index);
    // Publishes the chunks in boundaries_ as the next job, runs its share and waits for the rest.
    void run_job(const Chunk& fn);
    bool claim(uint32_t generation, int64_t& chunk);  // the next chunk of that job, if any is left
    // Claims and runs chunks of job `generation` until none is left.
    void run_chunks(uint32_t generation, int thread_index);
    bool run_inline(int64_t n, const Chunk& fn, int64_t grain);

    int n_threads_;
    std::vector<std::thread> workers_;
    std::mutex submit_mutex_;  // one loop at a time
    std::mutex mutex_;
    std::condition_variable wake_;

    // The current job; written by the caller before `claims_` announces it.
    const Chunk* job_ = nullptr;
    std::vector<int64_t> boundaries_;  // chunk c is [boundaries_[c], boundaries_[c + 1])
    int64_t chunk_count_ = 0;  // also in claims_, where workers read it
    // generation << 32 | chunk count << 16 | next unclaimed chunk: a claim for a finished job's
    // generation fails.
    std::atomic<uint64_t> claims_{0};
    std::atomic<int64_t> chunks_done_{0};
    std::atomic<uint32_t> generation_{0};
    std::atomic<bool> stopping_{false};
    std::atomic<bool> failed_{false};
    std::exception_ptr error_;  // the first exception of the current job, under mutex_

    std::atomic<uint64_t> loops_{0};
    std::atomic<int64_t> worker_busy_ns_{0};
};

}  // namespace moe
