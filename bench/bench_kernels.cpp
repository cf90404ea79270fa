// Kernel throughput against the machine's measured read bandwidth.
//
// Decode streams every weight of the active experts once per token, so a matvec should run at
// memory speed. Each matvec benchmark therefore cycles through enough copies of its matrix
// (>= 1 GiB) that the weights come from DRAM rather than cache, and reports `bw_pct`: its
// weight bytes per second as a percentage of measure_read_bandwidth_gbs() with the same number of
// threads, measured in this process.
//
// dot_in_cache/<type> gives one core's compute ceiling (weights stay in L2), int8_tile_in_cache/,
// int8_dot_in_cache/ and int8_rows_in_cache/ the same for the prefill GEMM's 4×4 tiles, the
// one-row integer dot and a decode's rows kernel (dot_rows_q8; q4_K_grouped, q5_0_grouped: on rows
// stored in groups of 16, as a copied model keeps q4_K and q5_0 weights),
// and matmul/<type> the prefill rate in GFLOP/s (q4_K_gemm: a 2-D weight's tiles, which round as
// llama.cpp's repacked GEMM). matvec/ and matmul/ run the default path (activations quantized to
// 8 bits, integer dot products); matvec_exact/ and matmul_exact/ the --exact path (F32
// activations), so the two kernels' GB/s stand side by side. attention_decode/ times one decode
// step's MLA attention over 512 and 4096 cached positions (the F32 work a long context adds).
//
//   bench_kernels --benchmark_filter=matvec/q4_K
//
// On a shared machine, Linux's autogroup scheduling gives every session an equal CPU share no
// matter how nice the other jobs are, so 2-thread numbers collapse when anything else runs. Give
// the benchmark its own, higher-priority autogroup (as root):
//   setsid sh -c "echo -15 > /proc/self/autogroup; exec bench_kernels"
#include <benchmark/benchmark.h>

#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gguf/tensor_types.h"
#include "models/attention_kernel.h"
#include "parallel/thread_pool.h"
#include "quant/bandwidth.h"
#include "quant/activations.h"
#include "quant/matmul.h"
#include "quant/quant.h"
#include "quant/row_groups.h"
#include "util/huge_pages.h"

namespace {

using moe::GgmlType;

constexpr size_t kWorkingSetBytes = size_t{1} << 30;
constexpr int64_t kCols = 2048;  // DeepSeek-V2-Lite n_embd: the input width of expert gate/up

moe::ThreadPool& pool(int threads) {
    static std::map<int, std::unique_ptr<moe::ThreadPool>> pools;
    auto& p = pools[threads];
    if (!p) p = std::make_unique<moe::ThreadPool>(threads);
    return *p;
}

double bandwidth_gbs(int threads) {
    static std::map<int, double> measured;
    auto it = measured.find(threads);
    if (it == measured.end()) it = measured.emplace(threads, moe::measure_read_bandwidth_gbs(pool(threads))).first;
    return it->second;
}

// Copies of one (rows × kCols) matrix, laid out back to back in 2 MiB pages as a model's weights
// are by default: realistic quantized rows made by quantize_row from Gaussian values.
struct MatrixCopies {
    GgmlType type = GgmlType::F32;
    int64_t rows = 0;
    bool grouped = false;  // rows stored in groups of 16 (quant/row_groups.h), as a copied model's q4_K/q5_0 weights
    size_t matrix_bytes = 0;
    int copies = 0;
    moe::HugePageMemory data;

    moe::WeightMatrix matrix(int copy) const {
        moe::WeightMatrix w;
        w.type = type;
        w.cols = kCols;
        w.rows = rows;
        w.row_stride = moe::row_bytes(type, kCols);
        w.data = data.data() + static_cast<size_t>(copy) * matrix_bytes;
        w.grouped = grouped;
        return w;
    }
};

// Only one set is kept alive at a time: each is about 1 GiB.
const MatrixCopies& matrix_copies(GgmlType type, int64_t rows, bool grouped) {
    static MatrixCopies cached;
    if (cached.type == type && cached.rows == rows && cached.grouped == grouped && cached.data.data()) return cached;
    cached = MatrixCopies{};
    cached.type = type;
    cached.rows = rows;
    cached.grouped = grouped;
    const size_t row_stride = moe::row_bytes(type, kCols);
    cached.matrix_bytes = row_stride * static_cast<size_t>(rows);
    cached.copies = static_cast<int>((kWorkingSetBytes + cached.matrix_bytes - 1) / cached.matrix_bytes);
    cached.data = moe::HugePageMemory(cached.matrix_bytes * static_cast<size_t>(cached.copies));
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.0f, 0.02f);
    std::vector<float> values(kCols);
    for (int64_t r = 0; r < rows; ++r) {
        for (float& v : values) v = normal(rng);
        moe::quant::quantize_row(type, values.data(), cached.data.data() + r * row_stride, kCols);
    }
    if (grouped) moe::quant::group_rows(type, cached.data.data(), rows, kCols);
    for (int c = 1; c < cached.copies; ++c) {
        std::memcpy(cached.data.data() + static_cast<size_t>(c) * cached.matrix_bytes, cached.data.data(),
                    cached.matrix_bytes);
    }
    return cached;
}

void report_bandwidth_share(benchmark::State& state, double bytes_per_iteration, int threads) {
    const double total = bytes_per_iteration * static_cast<double>(state.iterations());
    state.SetBytesProcessed(static_cast<int64_t>(total));
    state.counters["bw_pct"] = benchmark::Counter(total / (bandwidth_gbs(threads) * 1e9) * 100.0,
                                                  benchmark::Counter::kIsRate);
}

void BM_ReadBandwidth(benchmark::State& state) {
    const int threads = static_cast<int>(state.range(0));
    double gbs = 0.0;
    for (auto _ : state) gbs = bandwidth_gbs(threads);
    state.counters["GB/s"] = gbs;
}

void BM_Matvec(benchmark::State& state, GgmlType type, int64_t rows, int threads, bool exact, bool grouped) {
    const moe::ExactActivations precision(exact);
    const MatrixCopies& m = matrix_copies(type, rows, grouped);
    moe::ThreadPool& p = pool(threads);
    std::vector<float> x(kCols, 0.5f), y(static_cast<size_t>(rows));
    bandwidth_gbs(threads);  // measured outside the timed loop
    int copy = 0;
    for (auto _ : state) {
        moe::matvec(m.matrix(copy), x.data(), y.data(), p);
        benchmark::DoNotOptimize(y.data());
        copy = (copy + 1) % m.copies;
    }
    report_bandwidth_share(state, static_cast<double>(m.matrix_bytes), threads);
}

// The compute ceiling of one core: dot_row over 64 rows that stay in L2, in weights per second.
void BM_DotInCache(benchmark::State& state, GgmlType type) {
    constexpr int64_t kRows = 64;
    const size_t stride = moe::row_bytes(type, kCols);
    std::vector<uint8_t> rows(stride * kRows);
    std::mt19937 rng(3);
    std::normal_distribution<float> normal(0.0f, 0.02f);
    std::vector<float> values(kCols), x(kCols, 0.5f);
    for (int64_t r = 0; r < kRows; ++r) {
        for (float& v : values) v = normal(rng);
        moe::quant::quantize_row(type, values.data(), rows.data() + r * stride, kCols);
    }
    for (auto _ : state) {
        for (int64_t r = 0; r < kRows; ++r) {
            benchmark::DoNotOptimize(moe::quant::dot_row(type, rows.data() + r * stride, x.data(), kCols));
        }
    }
    state.counters["Gweights/s"] = benchmark::Counter(static_cast<double>(kRows * kCols) * static_cast<double>(state.iterations()) / 1e9,
                                                      benchmark::Counter::kIsRate);
    state.SetBytesProcessed(static_cast<int64_t>(stride * kRows) * state.iterations());
}

// How BM_Int8InCache multiplies: GEMM tiles, one-row dots, a decode's rows calls, or those on
// the rows stored in groups of 16 (q4_K).
enum class Int8Unit { tile, dot, rows, grouped_rows };

// One core's integer ceiling: 64 cached rows against 4 quantized activation vectors, as 16 GEMM
// tiles (dot_tile_q8: each weight load serves the 4 tokens, 4 rows share each activation load), as
// 256 one-row, one-token dots, or as 4 dot_rows_q8 calls of 64 rows (a decode's mat-vec, where a
// kernel may prepare the activation once per call). GB/s counts the weight bytes once per token.
void BM_Int8InCache(benchmark::State& state, GgmlType type, Int8Unit unit) {
    constexpr int64_t kRows = 64;
    const size_t stride = moe::row_bytes(type, kCols);
    std::vector<uint8_t> rows(stride * kRows);
    std::mt19937 rng(5);
    std::normal_distribution<float> normal(0.0f, 0.02f);
    std::vector<float> values(kCols);
    for (int64_t r = 0; r < kRows; ++r) {
        for (float& v : values) v = normal(rng);
        moe::quant::quantize_row(type, values.data(), rows.data() + r * stride, kCols);
    }
    std::vector<float> x(moe::quant::kTileTokens * kCols);
    for (float& v : x) v = normal(rng);
    moe::quant::QuantizedActivations quantized;
    quantized.quantize(moe::quant::activation_format(type), x.data(), moe::quant::kTileTokens, kCols, kCols);
    moe::quant::QuantizedRow tokens[moe::quant::kTileTokens];
    for (int t = 0; t < moe::quant::kTileTokens; ++t) tokens[t] = quantized.row(t);
    float out[moe::quant::kTileRows * moe::quant::kTileTokens];
    float row_sums[kRows];
    if (unit == Int8Unit::grouped_rows) moe::quant::group_rows(type, rows.data(), kRows, kCols);
    for (auto _ : state) {
        if (unit == Int8Unit::grouped_rows) {
            for (const moe::quant::QuantizedRow& token : tokens) {
                moe::quant::dot_grouped_rows_q8(type, rows.data(), 0, kRows, token, kCols, row_sums);
                benchmark::DoNotOptimize(row_sums);
            }
            continue;
        }
        if (unit == Int8Unit::rows) {
            for (const moe::quant::QuantizedRow& token : tokens) {
                moe::quant::dot_rows_q8(type, rows.data(), stride, kRows, token, kCols, row_sums);
                benchmark::DoNotOptimize(row_sums);
            }
            continue;
        }
        for (int64_t r = 0; r < kRows; r += moe::quant::kTileRows) {
            if (unit == Int8Unit::tile) {
                moe::quant::dot_tile_q8(type, rows.data() + r * stride, stride, tokens, kCols, out);
            } else {
                for (int t = 0; t < moe::quant::kTileTokens; ++t)
                    for (int k = 0; k < moe::quant::kTileRows; ++k)
                        out[t * moe::quant::kTileRows + k] = moe::quant::dot_row_q8(type, rows.data() + (r + k) * stride, tokens[t], kCols);
            }
            benchmark::DoNotOptimize(out);
        }
    }
    const double products = static_cast<double>(kRows * moe::quant::kTileTokens) * static_cast<double>(state.iterations());
    state.SetBytesProcessed(static_cast<int64_t>(products * static_cast<double>(stride)));
    state.counters["GMAC/s"] = benchmark::Counter(products * kCols / 1e9, benchmark::Counter::kIsRate);
}

// Quantizing 64 activation vectors of kCols values (what every quantized product of a prefill
// does first); GB/s of F32 input, one core.
void BM_QuantizeActivations(benchmark::State& state, moe::quant::ActivationFormat format) {
    constexpr int64_t kVectors = 64;
    std::vector<float> x(static_cast<size_t>(kVectors * kCols));
    std::mt19937 rng(6);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (float& v : x) v = normal(rng);
    moe::quant::QuantizedActivations quantized;
    for (auto _ : state) {
        quantized.quantize(format, x.data(), kVectors, kCols, kCols);
        benchmark::DoNotOptimize(quantized.row(0).q);
    }
    state.SetBytesProcessed(static_cast<int64_t>(x.size() * sizeof(float)) * state.iterations());
}

// Prompt prefill: n activations against one (cached) matrix; compute-bound, reported in GFLOP/s.
// gemm: the weight marked as a 2-D one llama.cpp repacks (WeightMatrix::gemm_rounding), whose q4_K
// tiles step their float chains per pair of sub-blocks.
void BM_Matmul(benchmark::State& state, GgmlType type, int64_t rows, int threads, bool exact, bool grouped, bool gemm) {
    const moe::ExactActivations precision(exact);
    const int64_t n = state.range(0);
    const MatrixCopies& m = matrix_copies(type, rows, grouped);
    moe::ThreadPool& p = pool(threads);
    std::vector<float> x(static_cast<size_t>(n * kCols), 0.25f), y(static_cast<size_t>(n * rows));
    moe::WeightMatrix w = m.matrix(0);
    w.gemm_rounding = gemm;
    for (auto _ : state) {
        moe::matmul(w, x.data(), kCols, n, y.data(), rows, p);
        benchmark::DoNotOptimize(y.data());
    }
    state.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(n * rows * kCols) *
                                                       static_cast<double>(state.iterations()) / 1e9,
                                                   benchmark::Counter::kIsRate);
}


// One decode step's attention in a DeepSeek MLA layer (V2-Lite: 16 heads sharing a 512-float
// latent, which is key and value, plus a 64-float rope key) over `positions` cached positions:
// the F32 work a long context adds to every token. Reported in G MAC/s (scores and value sums).
void BM_AttentionDecode(benchmark::State& state, int threads) {
    constexpr int kHeads = 16, kLatent = 512, kRope = 64;
    const int positions = static_cast<int>(state.range(0));
    std::mt19937 rng(11);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> latent(static_cast<size_t>(positions) * kLatent), rope_keys(static_cast<size_t>(positions) * kRope);
    std::vector<float> q(kHeads * kLatent), q_rope(kHeads * kRope), out(kHeads * kLatent);
    for (auto* v : {&latent, &rope_keys, &q, &q_rope})
        for (float& f : *v) f = normal(rng);
    const moe::SharedKv kv{latent.data(), kLatent, kLatent, rope_keys.data(), kRope, kRope,
                           latent.data(), kLatent, kLatent, 0.07f};
    const std::vector<moe::AttentionProblem> problems{
        {kv, positions, {kHeads, q.data(), kLatent, q_rope.data(), kRope, nullptr}, out.data(), kLatent}};
    moe::ThreadPool& p = pool(threads);
    for (auto _ : state) {
        moe::attend(problems, p);
        benchmark::DoNotOptimize(out.data());
    }
    const double macs = static_cast<double>(kHeads) * (2 * kLatent + kRope) * positions;
    state.counters["GMAC/s"] = benchmark::Counter(macs * static_cast<double>(state.iterations()) / 1e9,
                                                  benchmark::Counter::kIsRate);
}
}  // namespace

int main(int argc, char** argv) {
    benchmark::RegisterBenchmark("read_bandwidth", BM_ReadBandwidth)->Arg(1)->Arg(2)->Iterations(1)->UseRealTime();
    const GgmlType types[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q8_0, GgmlType::Q4_0,
                              GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q2_K, GgmlType::Q3_K,
                              GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::MXFP4};
    for (GgmlType type : types) {
        const std::string name = "dot_in_cache/" + moe::type_name(type);
        benchmark::RegisterBenchmark(name.c_str(), BM_DotInCache, type);
    }
    for (GgmlType type : {GgmlType::Q8_0, GgmlType::Q4_K, GgmlType::Q5_0, GgmlType::Q6_K}) {
        for (const auto& [unit, prefix] : {std::pair{Int8Unit::tile, "int8_tile_in_cache/"}, std::pair{Int8Unit::dot, "int8_dot_in_cache/"},
                                          std::pair{Int8Unit::rows, "int8_rows_in_cache/"}}) {
            const std::string name = prefix + moe::type_name(type);
            benchmark::RegisterBenchmark(name.c_str(), BM_Int8InCache, type, unit);
        }
    }
    for (GgmlType type : {GgmlType::Q4_K, GgmlType::Q5_0}) {
        const std::string name = "int8_rows_in_cache/" + moe::type_name(type) + "_grouped";
        benchmark::RegisterBenchmark(name.c_str(), BM_Int8InCache, type, Int8Unit::grouped_rows);
    }
    benchmark::RegisterBenchmark("quantize_activations/q8_32", BM_QuantizeActivations, moe::quant::ActivationFormat::Q8_32);
    benchmark::RegisterBenchmark("quantize_activations/q8_256", BM_QuantizeActivations, moe::quant::ActivationFormat::Q8_256);
    for (GgmlType type : types) {
        for (int64_t rows : {int64_t{1408}, int64_t{10944}}) {
            for (int threads : {1, 2}) {
                for (bool exact : {false, true}) {
                    const std::string name = (exact ? "matvec_exact/" : "matvec/") + moe::type_name(type) + "/" +
                                             std::to_string(kCols) + "x" + std::to_string(rows) +
                                             "/threads:" + std::to_string(threads);
                    benchmark::RegisterBenchmark(name.c_str(), BM_Matvec, type, rows, threads, exact, false)->UseRealTime();
                }
            }
        }
    }
    for (GgmlType type : {GgmlType::Q4_K, GgmlType::Q5_0}) {  // as a copied model stores them
        for (int64_t rows : {int64_t{1408}, int64_t{10944}}) {
            for (int threads : {1, 2}) {
                for (bool exact : {false, true}) {
                    const std::string name = std::string(exact ? "matvec_exact/" : "matvec/") + moe::type_name(type) +
                                             "_grouped/" + std::to_string(kCols) + "x" + std::to_string(rows) +
                                             "/threads:" + std::to_string(threads);
                    benchmark::RegisterBenchmark(name.c_str(), BM_Matvec, type, rows, threads, exact, true)->UseRealTime();
                }
            }
        }
    }
    // Q4_K, Q5_0 (the down projections of a Q4_K_M V2-Lite) and Q6_K: what a Q4_K_M file holds
    for (GgmlType type : {GgmlType::Q4_K, GgmlType::Q5_0, GgmlType::Q6_K, GgmlType::Q8_0, GgmlType::F32}) {
        for (bool exact : {false, true}) {
            const std::string name = (exact ? "matmul_exact/" : "matmul/") + moe::type_name(type) + "/2048x1408/threads:2";
            benchmark::RegisterBenchmark(name.c_str(), BM_Matmul, type, int64_t{1408}, 2, exact, false, false)->Arg(64)->UseRealTime();
        }
        if (type == GgmlType::Q4_K || type == GgmlType::Q5_0) {
            const std::string name = "matmul/" + moe::type_name(type) + "_grouped/2048x1408/threads:2";
            benchmark::RegisterBenchmark(name.c_str(), BM_Matmul, type, int64_t{1408}, 2, false, true, false)->Arg(64)->UseRealTime();
        }
        if (type == GgmlType::Q4_K) {  // a 2-D weight's tiles, rounding as llama.cpp's GEMM
            for (bool grouped : {false, true}) {
                const std::string name = std::string("matmul/q4_K") + (grouped ? "_grouped" : "") + "_gemm/2048x1408/threads:2";
                benchmark::RegisterBenchmark(name.c_str(), BM_Matmul, type, int64_t{1408}, 2, false, grouped, true)->Arg(64)->UseRealTime();
            }
        }
    }
    for (int threads : {1, 2}) {
        const std::string name = "attention_decode/mla_16x512+64/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark(name.c_str(), BM_AttentionDecode, threads)->Arg(512)->Arg(4096)->UseRealTime();
    }
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
