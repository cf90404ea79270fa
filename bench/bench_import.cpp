// Opening a DeepSeek-V3-shaped trace recorded elsewhere: 100k tokens × 61 MoE layers × top-8
// of 256 experts (about 50 M ids), as the .npz a Python recorder writes (int64 ids, as
// torch.topk returns them, deflated) and as the int16 stored .npz MoEScope exports; and a
// vLLM response JSON of 10k tokens (5 M ids), parsed with the SAX reader.
//
//   bench_import --benchmark_filter=npz
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "import/npy.h"
#include "import/npz_trace.h"
#include "import/vllm_json.h"
#include "import/zip_archive.h"
#include "util/atomic_file.h"

namespace {

constexpr int kLayers = 61, kTopK = 8, kExperts = 256;

// Skewed, distinct top-8 sets: a per-(token, layer) base plus an odd stride never repeats
// within 8 slots of 256.
uint16_t synthetic_id(uint64_t token, int layer, int rank) {
    uint64_t h = (token * 0x9E3779B97F4A7C15ull) ^ (static_cast<uint64_t>(layer) * 0xC2B2AE3D27D4EB4Full);
    h ^= h >> 29;
    const uint64_t base = (h % 97) * (h % 3 == 0 ? 1 : 2);  // a third of the sets start in 0..96
    const uint64_t stride = 2 * ((h >> 16) % 64) + 1;
    return static_cast<uint16_t>((base + static_cast<uint64_t>(rank) * stride) % kExperts);
}

std::string temp_path(const std::string& name) {
    return (std::filesystem::temp_directory_path() / ("moescope_bench_" + name)).string();
}

// The trace as NumPy would save int64 top-k ids with np.savez_compressed.
const std::string& python_npz(int64_t tokens) {
    static std::string path;
    if (!path.empty()) return path;
    path = temp_path("int64_deflated.npz");
    std::string ids(static_cast<size_t>(tokens) * kLayers * kTopK * 8, '\0');
    int64_t* out = reinterpret_cast<int64_t*>(ids.data());
    for (int64_t t = 0; t < tokens; ++t)
        for (int l = 0; l < kLayers; ++l)
            for (int r = 0; r < kTopK; ++r) *out++ = synthetic_id(static_cast<uint64_t>(t), l, r);
    moe::import::ZipWriter zip;
    zip.add("experts.npy",
            moe::import::npy_bytes("<i8", {static_cast<uint64_t>(tokens), kLayers, kTopK}, ids), true);
    zip.add("n_experts.npy", moe::import::npy_bytes("<i8", {}, std::string("\x00\x01\0\0\0\0\0\0", 8)), true);
    moe::write_file_atomically(path, zip.finish());
    return path;
}

void npz_int64_deflated(benchmark::State& state) {
    const std::string& path = python_npz(state.range(0));
    for (auto _ : state) {
        auto table = moe::import::read_npz_trace(path);
        benchmark::DoNotOptimize(table.experts.data());
    }
    state.counters["ids"] = static_cast<double>(state.range(0)) * kLayers * kTopK;
    state.counters["file_MB"] = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
}
BENCHMARK(npz_int64_deflated)->Arg(100000)->Unit(benchmark::kMillisecond)->Iterations(2);

void npz_int16_stored_roundtrip(benchmark::State& state) {
    const auto table = moe::import::read_npz_trace(python_npz(state.range(0)));
    const std::string path = temp_path("int16_stored.npz");
    moe::import::write_npz_trace(path, table, false);
    for (auto _ : state) {
        auto back = moe::import::read_npz_trace(path);
        benchmark::DoNotOptimize(back.experts.data());
    }
    state.counters["file_MB"] = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
    std::filesystem::remove(path);
}
BENCHMARK(npz_int16_stored_roundtrip)->Arg(100000)->Unit(benchmark::kMillisecond)->Iterations(2);

void vllm_json(benchmark::State& state) {
    const int64_t tokens = state.range(0);
    const std::string path = temp_path("vllm.json");
    std::string json = "{\"model\": \"deepseek-ai/DeepSeek-V3\", \"prompt_routed_experts\": [";
    for (int64_t t = 0; t < tokens; ++t) {
        json += t ? ", [" : "[";
        for (int l = 0; l < kLayers; ++l) {
            json += l ? ", [" : "[";
            for (int r = 0; r < kTopK; ++r)
                json += (r ? ", " : "") + std::to_string(synthetic_id(static_cast<uint64_t>(t), l, r));
            json += "]";
        }
        json += "]";
    }
    json += "], \"choices\": []}";
    moe::write_file_atomically(path, json);
    for (auto _ : state) {
        auto table = moe::import::read_vllm_response(path);
        benchmark::DoNotOptimize(table.experts.data());
    }
    state.counters["ids"] = static_cast<double>(tokens) * kLayers * kTopK;
    state.counters["file_MB"] = static_cast<double>(json.size()) / 1e6;
    std::filesystem::remove(path);
}
BENCHMARK(vllm_json)->Arg(10000)->Unit(benchmark::kMillisecond)->Iterations(2);

}  // namespace

BENCHMARK_MAIN();
