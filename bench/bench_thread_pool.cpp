// What a parallel loop costs in synchronisation, and what idle workers cost in CPU.
//
// barrier/<threads>: one parallel_for of trivial chunks, i.e. wake-up, claims and the barrier.
// gap/<µs>: loops separated by that much serial work on the caller (norms, routing between the
//   loops of a forward pass): below the idle spin the workers are still awake, above it each
//   loop pays a futex wake-up.
// idle_cpu: the CPU the process burns while its pool sits idle for 200 ms after a loop, as a
//   percentage of one core; the idle spin is bounded, so this should be a fraction of a percent.
#include <benchmark/benchmark.h>

#include <time.h>

#include <chrono>
#include <thread>

#include "parallel/thread_pool.h"

namespace {

void spin_for(std::chrono::microseconds duration) {
    const auto until = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < until) {
    }
}

void trivial_loop(moe::ThreadPool& pool) {
    pool.parallel_for(pool.size() * 4, [](int64_t begin, int64_t end, int) { benchmark::DoNotOptimize(begin + end); });
}

void BM_Barrier(benchmark::State& state) {
    moe::ThreadPool pool(static_cast<int>(state.range(0)));
    for (auto _ : state) trivial_loop(pool);
}
BENCHMARK(BM_Barrier)->Name("barrier")->Arg(2)->Arg(4)->UseRealTime();

void BM_LoopAfterSerialGap(benchmark::State& state) {
    moe::ThreadPool pool(2);
    const std::chrono::microseconds gap(state.range(0));
    for (auto _ : state) {
        spin_for(gap);
        const auto start = std::chrono::steady_clock::now();
        trivial_loop(pool);
        state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
}
BENCHMARK(BM_LoopAfterSerialGap)->Name("gap")->Arg(10)->Arg(100)->Arg(1000)->Arg(5000)->UseManualTime();

double process_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + t.tv_nsec * 1e-9;
}

void BM_IdleCpu(benchmark::State& state) {
    moe::ThreadPool pool(static_cast<int>(state.range(0)));
    constexpr auto kIdle = std::chrono::milliseconds(200);
    double cpu = 0.0, wall = 0.0;
    for (auto _ : state) {
        trivial_loop(pool);
        const double cpu_start = process_cpu_seconds();
        const auto wall_start = std::chrono::steady_clock::now();
        std::this_thread::sleep_for(kIdle);
        cpu += process_cpu_seconds() - cpu_start;
        wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    }
    state.counters["idle_cpu_pct"] = 100.0 * cpu / wall;
}
BENCHMARK(BM_IdleCpu)->Name("idle_cpu")->Arg(2)->Arg(4)->Iterations(5)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
