// Routing analytics throughput at DeepSeek-V2-Lite's shape (27 MoE layers × 64 experts, top-6):
// tokens per second through every streaming accumulator (what `profile` pays per token), and
// through the whole table analysis including the oracle cache and the vocabulary.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>

#include "analysis/expert_cache.h"
#include "analysis/routing_analysis.h"

namespace {

using namespace moe;
using namespace moe::analysis;

constexpr int kLayers = 27, kExperts = 64, kTopK = 6, kSequence = 512;

// Skewed expert choice with some token-to-token reuse, as real routers show.
std::vector<TokenTrace> synthetic_traces(int n_tokens) {
    std::mt19937 rng(42);
    std::geometric_distribution<int> popular(0.08);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    std::vector<TokenTrace> traces(static_cast<size_t>(n_tokens));
    for (int t = 0; t < n_tokens; ++t) {
        TokenTrace& trace = traces[static_cast<size_t>(t)];
        trace.step = t;
        trace.pos = t % kSequence;
        trace.sequence = t / kSequence;
        trace.token_id = static_cast<int32_t>(popular(rng) * 7 % 5000);
        for (int l = 0; l < kLayers; ++l) {
            LayerRouting layer;
            layer.layer = l + 1;
            layer.probs.resize(kExperts);
            for (float& p : layer.probs) p = uniform(rng) / kExperts;
            const std::vector<int>* previous = t > 0 ? &traces[static_cast<size_t>(t - 1)].moe_layers[static_cast<size_t>(l)].experts : nullptr;
            while (static_cast<int>(layer.experts.size()) < kTopK) {
                const int e = previous && uniform(rng) < 0.3f ? (*previous)[layer.experts.size()]
                                                              : (popular(rng) + 5 * l) % kExperts;
                if (std::find(layer.experts.begin(), layer.experts.end(), e) == layer.experts.end()) layer.experts.push_back(e);
            }
            layer.weights.assign(kTopK, 1.0f / kTopK);
            trace.moe_layers.push_back(std::move(layer));
        }
    }
    return traces;
}

const std::vector<TokenTrace>& traces() {
    static const std::vector<TokenTrace> all = synthetic_traces(16384);
    return all;
}

// The live path: LiveAnalyzer::add per token (accumulators, LRU/LFU at the default 5 sizes,
// and keeping the token's chosen sets), no report.
void BM_LiveAdd(benchmark::State& state) {
    const auto& all = traces();
    for (auto _ : state) {
        LiveAnalyzer analyzer;
        for (const TokenTrace& trace : all) analyzer.add(trace);
        benchmark::DoNotOptimize(analyzer.table().token_count());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(all.size()));
}
BENCHMARK(BM_LiveAdd)->Unit(benchmark::kMillisecond);

// The whole analysis of a table: streaming metrics, oracle and vocabulary, layers in parallel.
void BM_AnalyzeTable(benchmark::State& state) {
    const RoutingTable table = table_from_traces(traces());
    AnalysisOptions options;
    options.oracle = state.range(0) != 0;
    for (auto _ : state) benchmark::DoNotOptimize(analyze_table(table, options).tokens);
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(table.token_count()));
}
BENCHMARK(BM_AnalyzeTable)->Arg(0)->Arg(1)->ArgNames({"oracle"})->UseRealTime()->Unit(benchmark::kMillisecond);

// One layer of the V3 shape through one policy's replay at N/2 = 128 (every smaller size is
// read off the same pass): 100k tokens × 8 of 256 experts.
void BM_CacheReplay(benchmark::State& state) {
    constexpr int kExperts = 256, kTopK = 8, kTokens = 100000;
    std::mt19937 rng(1);
    std::geometric_distribution<int> popular(0.02);
    std::vector<ExpertId> sets;
    for (int t = 0; t < kTokens; ++t)
        for (int i = 0; i < kTopK; ++i) {
            ExpertId e;
            do e = static_cast<ExpertId>(popular(rng) % kExperts);
            while (std::find(sets.end() - i, sets.end(), e) != sets.end());
            sets.push_back(e);
        }
    std::vector<uint32_t> next(sets.size(), ExpertCache::kNever), seen(kExperts, ExpertCache::kNever);
    for (size_t j = sets.size(); j-- > 0;) {
        next[j] = seen[sets[j]];
        if (j % kTopK == 0)
            for (size_t i = j; i < j + kTopK; ++i) seen[sets[i]] = static_cast<uint32_t>(i / kTopK);
    }
    const auto policy = static_cast<CachePolicy>(state.range(0));
    for (auto _ : state) {
        ExpertCache cache(kExperts, kExperts / 2, policy);
        for (size_t t = 0; t < kTokens; ++t) cache.request(&sets[t * kTopK], kTopK, &next[t * kTopK]);
        benchmark::DoNotOptimize(cache.hits(kTopK));
    }
    state.SetItemsProcessed(state.iterations() * kTokens);
}
BENCHMARK(BM_CacheReplay)->Arg(0)->Arg(1)->Arg(2)->ArgNames({"lru_lfu_oracle"})->Unit(benchmark::kMillisecond);

// `analyze` on a DeepSeek-V3-sized trace: 100k tokens × 58 MoE layers × 8 of 256 experts
// (46 M ids), everything included (oracle, vocabulary), layers in parallel.
void BM_AnalyzeDeepSeekV3Shape(benchmark::State& state) {
    constexpr int kV3Layers = 58, kV3Experts = 256, kV3TopK = 8, kV3Tokens = 100000;
    RoutingTable table;
    table.n_expert = kV3Experts;
    table.max_k = kV3TopK;
    for (int l = 0; l < kV3Layers; ++l) table.layers.push_back(3 + l);
    std::mt19937 rng(1);
    std::geometric_distribution<int> popular(0.02);
    table.experts.reserve(static_cast<size_t>(kV3Tokens) * kV3Layers * kV3TopK);
    for (int t = 0; t < kV3Tokens; ++t) {
        table.token_ids.push_back(static_cast<int32_t>(popular(rng) * 13 % 50000));
        table.positions.push_back(t % 4096);
        table.sequences.push_back(static_cast<uint32_t>(t / 4096));
        for (int l = 0; l < kV3Layers; ++l) {
            ExpertId set[kV3TopK];
            for (int i = 0; i < kV3TopK; ++i) {
                ExpertId e;
                do e = static_cast<ExpertId>((popular(rng) + 7 * l) % kV3Experts);
                while (std::find(set, set + i, e) != set + i);
                set[i] = e;
            }
            table.experts.insert(table.experts.end(), set, set + kV3TopK);
        }
    }
    for (auto _ : state) benchmark::DoNotOptimize(analyze_table(table).tokens);
    state.SetItemsProcessed(state.iterations() * kV3Tokens);
}
BENCHMARK(BM_AnalyzeDeepSeekV3Shape)->UseRealTime()->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
