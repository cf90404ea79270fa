#include "parallel/thread_pool.h"

#include <algorithm>

#if defined(__x86_64__)
#include <immintrin.h>
#define MOE_CPU_RELAX() _mm_pause()
#else
#define MOE_CPU_RELAX() ((void)0)
#endif

namespace moe {

namespace {
constexpr int kSpinIterations = 200000;  // roughly 1-5 ms of pause instructions
}

ThreadPool::ThreadPool(int n_threads) {
    if (n_threads <= 0) n_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    n_threads_ = n_threads;
    for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
        generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
}

void ThreadPool::run_chunk(int index) {
    int64_t per_thread = (job_n_ + n_threads_ - 1) / n_threads_;
    per_thread = (per_thread + job_grain_ - 1) / job_grain_ * job_grain_;
    int64_t begin = std::min<int64_t>(job_n_, per_thread * index);
    int64_t end = std::min<int64_t>(job_n_, begin + per_thread);
    if (begin < end) (*job_)(begin, end, index);
}

void ThreadPool::parallel_for(int64_t n, const Chunk& fn, int64_t grain) {
    if (n <= 0) return;
    if (n_threads_ == 1 || n <= grain) {
        fn(0, n, 0);
        return;
    }
    job_ = &fn;
    job_n_ = n;
    job_grain_ = std::max<int64_t>(1, grain);
    pending_.store(n_threads_ - 1, std::memory_order_relaxed);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    run_chunk(0);
    while (pending_.load(std::memory_order_acquire) != 0) MOE_CPU_RELAX();
}

void ThreadPool::worker_loop(int index) {
    uint64_t seen = 0;
    for (;;) {
        int spins = 0;
        while (generation_.load(std::memory_order_acquire) == seen && spins < kSpinIterations) {
            MOE_CPU_RELAX();
            ++spins;
        }
        if (generation_.load(std::memory_order_acquire) == seen) {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        }
        seen = generation_.load(std::memory_order_acquire);
        if (stopping_.load()) return;
        run_chunk(index);
        pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
}

}  // namespace moe
