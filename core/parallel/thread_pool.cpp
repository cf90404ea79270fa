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

using Clock = std::chrono::steady_clock;

// A worker's busy wait for the next loop before it sleeps: longer than the serial gaps of a
// forward pass (norms, routing), short enough that an idle app stops costing CPU at once.
constexpr auto kIdleSpin = std::chrono::microseconds(300);
constexpr int kSpinsPerClockRead = 64;
constexpr int kWaitSpinsPerYield = 256;  // the caller yields its core now and then while waiting
// Guided chunks: each takes 1/(2·threads) of the cost still left, but at least 1/(32·threads) of
// the loop's, so they shrink toward the end and the threads finish within a small chunk of each
// other (equal chunks of 1/(4·threads) left a decode's caller waiting 5–14 % of each loop; a
// smallest share of 1/(16·threads) left a V2-Lite decode's batched mat-vecs 12–19 µs of wall time
// past their work, 1/(32·threads) 11–12).
constexpr int64_t kShareOfRemaining = 2;
constexpr int64_t kSmallestShare = 32;
// Every chunk but the last carries at least the smallest share (over half of 1/(32·threads) of
// the loop after rounding down), so a loop has at most 64·threads + 1 chunks: numbers fit 16 bits.
constexpr int kMaxThreads = (0xFFFF - 1) / (2 * kSmallestShare);

// The pool whose chunk this thread is running, and its index there: a nested loop runs inline.
thread_local const ThreadPool* t_pool = nullptr;
thread_local int t_thread_index = 0;

}  // namespace

ThreadPool::ThreadPool(int n_threads) {
    if (n_threads <= 0) n_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    n_threads_ = std::min(n_threads, kMaxThreads);
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

void ThreadPool::relax() { MOE_CPU_RELAX(); }

ThreadPool::Stats ThreadPool::stats() const {
    return {loops_.load(std::memory_order_relaxed),
            std::chrono::nanoseconds(worker_busy_ns_.load(std::memory_order_relaxed))};
}

bool ThreadPool::claim(uint32_t generation, int64_t& chunk) {
    // One atomic word holds the job's generation, its chunk count and the next chunk, so a
    // worker still looking at a finished job can never pair it with the next job's count.
    uint64_t word = claims_.load(std::memory_order_acquire);
    do {
        if (static_cast<uint32_t>(word >> 32) != generation) return false;
        const int64_t count = static_cast<int64_t>((word >> 16) & 0xFFFFu);
        chunk = static_cast<int64_t>(word & 0xFFFFu);
        if (chunk >= count) return false;
    } while (!claims_.compare_exchange_weak(word, word + 1, std::memory_order_acq_rel));
    return true;
}

void ThreadPool::run_chunks(uint32_t generation, int thread_index) {
    const auto start = Clock::now();
    bool ran = false;
    for (int64_t chunk; claim(generation, chunk);) {
        // The job cannot finish while this chunk is unaccounted for, so its fields are stable.
        ran = true;
        if (!failed_.load(std::memory_order_relaxed)) {
            const ThreadPool* outer_pool = t_pool;  // set when this pool runs inside another's chunk
            const int outer_index = t_thread_index;
            t_pool = this;
            t_thread_index = thread_index;
            try {
                (*job_)(boundaries_[chunk], boundaries_[chunk + 1], thread_index);
            } catch (...) {
                std::lock_guard<std::mutex> lock(mutex_);
                if (!error_) error_ = std::current_exception();
                failed_.store(true, std::memory_order_relaxed);
            }
            t_pool = outer_pool;
            t_thread_index = outer_index;
        }
        chunks_done_.fetch_add(1, std::memory_order_acq_rel);
    }
    if (ran && thread_index != 0)
        worker_busy_ns_.fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count(),
                                  std::memory_order_relaxed);
}

bool ThreadPool::run_inline(int64_t n, const Chunk& fn, int64_t grain) {
    if (t_pool == this) {  // nested in one of our chunks: the workers are busy with the outer loop
        fn(0, n, t_thread_index);
        return true;
    }
    if (n_threads_ == 1 || n <= grain) {
        fn(0, n, 0);
        return true;
    }
    return false;
}

void ThreadPool::parallel_for(int64_t n, const Chunk& fn, int64_t grain) {
    parallel_for_weighted(n, [](int64_t i) { return i; }, fn, grain);
}

void ThreadPool::parallel_for_weighted(int64_t n, const CostBefore& cost_before, const Chunk& fn, int64_t grain) {
    if (n <= 0) return;
    grain = std::max<int64_t>(1, grain);
    if (run_inline(n, fn, grain)) return;
    std::lock_guard<std::mutex> submit(submit_mutex_);
    const int64_t total = cost_before(n);
    const int64_t smallest = std::max<int64_t>(1, total / (kSmallestShare * n_threads_));
    boundaries_.assign(1, 0);
    for (int64_t done = 0; boundaries_.back() < n; done = cost_before(boundaries_.back())) {
        // Cut where the running cost first reaches this chunk's share, rounded up to the grain.
        const int64_t target = done + std::max(smallest, (total - done) / (kShareOfRemaining * n_threads_));
        int64_t low = boundaries_.back() + 1, high = n;  // the first i with cost_before(i) >= target
        while (low < high) {
            const int64_t mid = low + (high - low) / 2;
            if (cost_before(mid) < target) low = mid + 1;
            else high = mid;
        }
        const int64_t cut = std::min(n, (low + grain - 1) / grain * grain);
        boundaries_.push_back(n - cut < grain ? n : cut);  // no tail shorter than a grain
    }
    if (boundaries_.size() == 2) {
        fn(0, n, 0);
        return;
    }
    run_job(fn);
}

void ThreadPool::run_job(const Chunk& fn) {
    job_ = &fn;
    chunk_count_ = static_cast<int64_t>(boundaries_.size()) - 1;
    chunks_done_.store(0, std::memory_order_relaxed);
    failed_.store(false, std::memory_order_relaxed);
    loops_.fetch_add(1, std::memory_order_relaxed);
    const uint32_t generation = generation_.load(std::memory_order_relaxed) + 1;
    claims_.store(static_cast<uint64_t>(generation) << 32 | static_cast<uint64_t>(chunk_count_) << 16,
                  std::memory_order_release);
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
    if (failed_.load(std::memory_order_acquire)) {
        std::exception_ptr error;
        std::swap(error, error_);  // every chunk is accounted for: nobody else touches it now
        std::rethrow_exception(error);
    }
}

void ThreadPool::worker_loop(int index) {
    uint32_t seen = 0;
    for (;;) {
        const auto spin_until = Clock::now() + kIdleSpin;
        for (int spins = 1; generation_.load(std::memory_order_acquire) == seen; ++spins) {
            MOE_CPU_RELAX();
            if (spins % kSpinsPerClockRead == 0 && Clock::now() >= spin_until) break;
        }
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
