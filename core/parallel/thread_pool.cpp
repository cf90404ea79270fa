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
constexpr int kIdleSpins = 100000;     // a worker's busy wait for the next job before sleeping
constexpr int kWaitSpinsPerYield = 256;  // the caller yields its core now and then while waiting
constexpr int kChunksPerThread = 4;
}  // namespace

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

void ThreadPool::run_chunks(uint32_t generation, int thread_index) {
    for (;;) {
        uint64_t claim = claims_.load(std::memory_order_acquire);
        int64_t chunk;
        do {
            if (static_cast<uint32_t>(claim >> 32) != generation) return;
            chunk = static_cast<int64_t>(claim & 0xFFFFFFFFu);
            if (chunk >= chunk_count_) return;
        } while (!claims_.compare_exchange_weak(claim, claim + 1, std::memory_order_acq_rel));
        // The job cannot finish while this chunk is unaccounted for, so its fields are stable.
        const int64_t begin = chunk * chunk_size_;
        const int64_t end = std::min(job_n_, begin + chunk_size_);
        (*job_)(begin, end, thread_index);
        chunks_done_.fetch_add(1, std::memory_order_acq_rel);
    }
}

void ThreadPool::parallel_for(int64_t n, const Chunk& fn, int64_t grain) {
    if (n <= 0) return;
    grain = std::max<int64_t>(1, grain);
    if (n_threads_ == 1 || n <= grain) {
        fn(0, n, 0);
        return;
    }
    const int64_t target = (n + n_threads_ * kChunksPerThread - 1) / (n_threads_ * kChunksPerThread);
    job_ = &fn;
    job_n_ = n;
    chunk_size_ = (target + grain - 1) / grain * grain;
    chunk_count_ = (n + chunk_size_ - 1) / chunk_size_;
    chunks_done_.store(0, std::memory_order_relaxed);
    const uint32_t generation = generation_.load(std::memory_order_relaxed) + 1;
    claims_.store(static_cast<uint64_t>(generation) << 32, std::memory_order_release);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        generation_.store(generation, std::memory_order_release);
    }
    wake_.notify_all();
    run_chunks(generation, 0);
    for (int spins = 1; chunks_done_.load(std::memory_order_acquire) != chunk_count_; ++spins) {
        MOE_CPU_RELAX();
        if (spins % kWaitSpinsPerYield == 0) std::this_thread::yield();
    }
}

void ThreadPool::worker_loop(int index) {
    uint32_t seen = 0;
    for (;;) {
        for (int spins = 0; generation_.load(std::memory_order_acquire) == seen && spins < kIdleSpins; ++spins)
            MOE_CPU_RELAX();
        if (generation_.load(std::memory_order_acquire) == seen) {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        }
        seen = generation_.load(std::memory_order_acquire);
        if (stopping_.load()) return;
        run_chunks(seen, index);
    }
}

}  // namespace moe
