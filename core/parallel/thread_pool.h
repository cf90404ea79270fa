// A fixed set of worker threads for data-parallel loops in the forward pass.
// A loop is cut into a few chunks per thread that every thread, the caller included, claims
// from a shared counter: when the machine is busy and a worker is descheduled, the others take
// its share instead of waiting for it. Idle workers spin briefly (a forward pass issues hundreds
// of short loops per token and a futex wake-up costs tens of microseconds), then sleep.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
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

    // Calls fn on disjoint chunks covering [0, n), each a multiple of `grain` long (but the
    // last), and returns when all are done. thread_index (0 = caller) tells which thread runs a
    // chunk, for per-thread scratch. Not reentrant: fn must not call parallel_for on this pool.
    void parallel_for(int64_t n, const Chunk& fn, int64_t grain = 1);

private:
    void worker_loop(int index);
    // Claims and runs chunks of job `generation` until none is left.
    void run_chunks(uint32_t generation, int thread_index);

    int n_threads_;
    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_;

    // The current job; written by the caller before `claims_` announces it.
    const Chunk* job_ = nullptr;
    int64_t job_n_ = 0;
    int64_t chunk_size_ = 1;
    int64_t chunk_count_ = 0;
    // (generation << 32) | next unclaimed chunk: a claim for a finished job's generation fails.
    std::atomic<uint64_t> claims_{0};
    std::atomic<int64_t> chunks_done_{0};
    std::atomic<uint32_t> generation_{0};
    std::atomic<bool> stopping_{false};
};

}  // namespace moe
