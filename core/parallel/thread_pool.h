// A fixed set of worker threads for data-parallel loops in the forward pass.
// Workers spin briefly between jobs (a forward pass issues hundreds of short loops per token,
// and a condition-variable wake-up costs tens of microseconds), then sleep.
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

    // Calls fn on disjoint chunks covering [0, n), one per thread, each a multiple of `grain`
    // long (but the last); the caller runs chunk 0 and returns when all chunks are done.
    // Not reentrant: fn must not call parallel_for on the same pool.
    void parallel_for(int64_t n, const Chunk& fn, int64_t grain = 1);

private:
    void worker_loop(int index);
    void run_chunk(int index);

    int n_threads_;
    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_;
    const Chunk* job_ = nullptr;
    int64_t job_n_ = 0;
    int64_t job_grain_ = 1;
    std::atomic<uint64_t> generation_{0};
    std::atomic<int> pending_{0};
    std::atomic<bool> stopping_{false};
};

}  // namespace moe
