#include "analysis/routing_analysis.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "analysis/expert_cache.h"
#include "analysis/vocabulary.h"
#include "parallel/thread_pool.h"

namespace moe::analysis {

namespace {

constexpr size_t kTokensPerRound = 8192;

std::vector<LayerAccumulator> make_accumulators(const RoutingTable& table) {
    std::vector<LayerAccumulator> layers;
    for (int l = 0; l < table.layer_count(); ++l)
        layers.emplace_back(table.layers[static_cast<size_t>(l)], table.n_expert, l + 1 == table.layer_count());
    return layers;
}

// Every policy at every cache size over the first n tokens of one MoE layer: one replay per
// policy serves all the sizes (sizes is sorted, so its last is the largest).
std::vector<CacheHitRates> simulate_caches(const RoutingTable& table, int layer, size_t n, const std::vector<int>& sizes,
                                           bool oracle) {
    if (sizes.empty()) return {};
    const size_t k = static_cast<size_t>(table.max_k);
    auto replay = [&](CachePolicy policy, const uint32_t* next) {
        ExpertCache cache(table.n_expert, sizes.back(), policy);
        for (size_t t = 0; t < n; ++t)
            cache.request(table.chosen(t, layer), table.set_size(t, layer), next ? next + t * k : nullptr);
        return cache;
    };
    const ExpertCache lru = replay(CachePolicy::lru, nullptr), lfu = replay(CachePolicy::lfu, nullptr);
    std::vector<double> oracle_rates(sizes.size(), std::numeric_limits<double>::quiet_NaN());
    if (oracle) {
        // next[t·k + i]: the next token after t whose set holds expert set_t[i].
        std::vector<uint32_t> next(n * k, ExpertCache::kNever);
        std::vector<uint32_t> seen(static_cast<size_t>(table.n_expert), ExpertCache::kNever);
        for (size_t t = n; t-- > 0;) {
            const ExpertId* set = table.chosen(t, layer);
            for (size_t i = 0; i < k && set[i] != kNoExpert; ++i) next[t * k + i] = seen[set[i]];
            for (size_t i = 0; i < k && set[i] != kNoExpert; ++i) seen[set[i]] = static_cast<uint32_t>(t);
        }
        const ExpertCache best = replay(CachePolicy::oracle, next.data());
        for (size_t s = 0; s < sizes.size(); ++s) oracle_rates[s] = best.hit_rate(sizes[s]);
    }
    std::vector<CacheHitRates> rates;
    for (size_t s = 0; s < sizes.size(); ++s)
        rates.push_back({sizes[s], lru.hit_rate(sizes[s]), lfu.hit_rate(sizes[s]), oracle_rates[s]});
    return rates;
}

// The parts that read the stored chosen sets: the cache simulation and the vocabulary.
AnalysisReport finish(const RoutingTable& table, size_t n, const std::vector<LayerAccumulator>& layers,
                      const AnalysisOptions& options, ThreadPool& pool) {
    const std::vector<int> cache_sizes = cache_sizes_for(options, table.n_expert, table.max_k);
    AnalysisReport report;
    report.tokens = static_cast<int64_t>(n);
    for (size_t t = 0; t < n; ++t) report.sequences += t == 0 || table.sequences[t] != table.sequences[t - 1];
    report.n_expert = table.n_expert;
    report.model = table.model;
    report.complete = n == table.token_count();
    report.layers.resize(layers.size());
    const TokenIndex index = options.vocabulary_top > 0 ? index_tokens(table, n) : TokenIndex{};
    pool.parallel_for(static_cast<int64_t>(layers.size()), [&](int64_t begin, int64_t end, int) {
        for (int64_t l = begin; l < end; ++l) {
            LayerReport& layer = report.layers[static_cast<size_t>(l)];
            layer = layers[static_cast<size_t>(l)].report(table.domain_names);
            layer.cache = simulate_caches(table, static_cast<int>(l), n, cache_sizes, options.oracle);
            if (options.vocabulary_top > 0) layer.vocabulary = layer_vocabulary(table, static_cast<int>(l), index, options);
        }
    });
    return report;
}

}  // namespace

std::vector<int> cache_sizes_for(const AnalysisOptions& options, int n_expert, int max_k) {
    std::vector<int> sizes = options.cache_sizes;
    if (sizes.empty()) {
        for (int size : {max_k, 2 * max_k, 4 * max_k, n_expert / 4, n_expert / 2})
            if (size >= max_k) sizes.push_back(size);
    }
    for (int size : sizes)
        if (size < max_k)
            throw std::invalid_argument("cache size " + std::to_string(size) + " is below k = " + std::to_string(max_k) +
                                        " (a token's experts must all fit)");
    std::sort(sizes.begin(), sizes.end());
    sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
    return sizes;
}

AnalysisReport analyze_table(const RoutingTable& table, const AnalysisOptions& options, const AnalysisProgress& progress) {
    check_table(table);
    cache_sizes_for(options, table.n_expert, table.max_k);  // a bad size fails before the work
    std::vector<LayerAccumulator> layers = make_accumulators(table);
    ThreadPool pool;
    size_t done = 0;
    const size_t n = table.token_count();
    while (done < n) {
        const size_t end = std::min(n, done + kTokensPerRound);
        pool.parallel_for(static_cast<int64_t>(layers.size()), [&](int64_t begin_layer, int64_t end_layer, int) {
            for (int64_t l = begin_layer; l < end_layer; ++l)
                for (size_t t = done; t < end; ++t)
                    layers[static_cast<size_t>(l)].add(token_at_layer(table, t, static_cast<int>(l)));
        });
        done = end;
        if (progress && !progress(static_cast<double>(done) / static_cast<double>(n)) && done < n) break;
    }
    return finish(table, done, layers, options, pool);
}

void LiveAnalyzer::add(const TokenTrace& trace) {
    builder_.add(trace);
    const RoutingTable& table = builder_.table();
    if (layers_.empty()) {
        cache_sizes_for(options_, table.n_expert, table.max_k);  // a bad size fails at the first token
        layers_ = make_accumulators(table);
    }
    const size_t t = table.token_count() - 1;
    for (int l = 0; l < table.layer_count(); ++l) {
        TokenAtLayer token = token_at_layer(table, t, l);
        token.probs = trace.moe_layers[static_cast<size_t>(l)].probs.data();
        layers_[static_cast<size_t>(l)].add(token);
    }
}

AnalysisReport LiveAnalyzer::report() const {
    ThreadPool pool;
    return finish(builder_.table(), builder_.table().token_count(), layers_, options_, pool);
}

}  // namespace moe::analysis
