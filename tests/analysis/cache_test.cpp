// Each cache policy against a brute-force replay written straight from the definitions.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <map>
#include <random>

#include "analysis/expert_cache.h"

namespace moe::analysis {
namespace {

using Sets = std::vector<std::vector<ExpertId>>;

// Scans every resident for the victim, with the tie rules spelled out as comparisons.
int64_t brute_force_hits(const Sets& sets, int capacity, CachePolicy policy) {
    std::vector<int> resident;
    std::map<int, int64_t> last, count;
    int64_t hits = 0;
    auto next_request = [&](size_t t, int e) {
        for (size_t u = t + 1; u < sets.size(); ++u)
            if (std::count(sets[u].begin(), sets[u].end(), e)) return static_cast<int64_t>(u);
        return std::numeric_limits<int64_t>::max();
    };
    // true when a should be evicted before b.
    auto before = [&](size_t t, int a, int b) {
        switch (policy) {
            case CachePolicy::lru:
                if (last[a] != last[b]) return last[a] < last[b];
                return a < b;
            case CachePolicy::lfu:
                if (count[a] != count[b]) return count[a] < count[b];
                if (last[a] != last[b]) return last[a] < last[b];
                return a < b;
            case CachePolicy::oracle: {
                const int64_t na = next_request(t, a), nb = next_request(t, b);
                if (na != nb) return na > nb;
                return a < b;
            }
        }
        return false;
    };
    for (size_t t = 0; t < sets.size(); ++t) {
        const auto& set = sets[t];
        for (ExpertId e : set) hits += std::count(resident.begin(), resident.end(), e);
        for (ExpertId e : set) {
            if (std::count(resident.begin(), resident.end(), e)) continue;
            if (static_cast<int>(resident.size()) == capacity) {
                int victim = -1;
                for (int r : resident) {
                    if (std::count(set.begin(), set.end(), r)) continue;
                    if (victim < 0 || before(t, r, victim)) victim = r;
                }
                resident.erase(std::find(resident.begin(), resident.end(), victim));
            }
            resident.push_back(e);
        }
        for (ExpertId e : set) {
            last[e] = static_cast<int64_t>(t);
            ++count[e];
        }
    }
    return hits;
}

// One replay at `max_capacity`; hits(c) for any smaller c comes from the same pass.
ExpertCache replayed(const Sets& sets, int n_expert, int max_capacity, CachePolicy policy) {
    std::vector<std::vector<uint32_t>> next(sets.size());
    for (size_t t = 0; t < sets.size(); ++t)
        for (ExpertId e : sets[t]) {
            uint32_t u = ExpertCache::kNever;
            for (size_t s = t + 1; s < sets.size() && u == ExpertCache::kNever; ++s)
                if (std::count(sets[s].begin(), sets[s].end(), e)) u = static_cast<uint32_t>(s);
            next[t].push_back(u);
        }
    ExpertCache cache(n_expert, max_capacity, policy);
    for (size_t t = 0; t < sets.size(); ++t) cache.request(sets[t].data(), static_cast<int>(sets[t].size()), next[t].data());
    return cache;
}

int64_t simulated_hits(const Sets& sets, int n_expert, int capacity, CachePolicy policy) {
    return replayed(sets, n_expert, capacity, policy).hits(capacity);
}

// Sets of 1..max_k distinct experts; skewed so that popular experts recur and ties happen.
Sets random_sets(std::mt19937& rng, int n_expert, int max_k, int length) {
    Sets sets(static_cast<size_t>(length));
    std::geometric_distribution<int> skewed(0.25);
    std::uniform_int_distribution<int> size(1, max_k);
    for (auto& set : sets) {
        const int k = size(rng);
        while (static_cast<int>(set.size()) < k) {
            const ExpertId e = static_cast<ExpertId>(skewed(rng) % n_expert);
            if (!std::count(set.begin(), set.end(), e)) set.push_back(e);
        }
    }
    return sets;
}

// Every capacity from k to N read off one replay at N, and a replay at each capacity of its
// own (the stack keeps only its first `capacity` entries), against the brute force.
TEST(ExpertCache, MatchesBruteForceOnRandomSequences) {
    std::mt19937 rng(7);
    int compared = 0;
    for (int trial = 0; trial < 60; ++trial) {
        const int n_expert = 4 + trial % 13;
        const int max_k = 1 + trial % 4;
        const Sets sets = random_sets(rng, n_expert, max_k, 300);
        for (CachePolicy policy : {CachePolicy::lru, CachePolicy::lfu, CachePolicy::oracle}) {
            const ExpertCache every_size = replayed(sets, n_expert, n_expert, policy);
            for (int capacity = max_k; capacity <= n_expert; ++capacity) {
                const int64_t expected = brute_force_hits(sets, capacity, policy);
                ASSERT_EQ(every_size.hits(capacity), expected)
                    << "trial " << trial << " capacity " << capacity << " policy " << static_cast<int>(policy);
                ASSERT_EQ(simulated_hits(sets, n_expert, capacity, policy), expected)
                    << "trial " << trial << " capacity " << capacity << " policy " << static_cast<int>(policy);
                ++compared;
            }
        }
    }
    EXPECT_GT(compared, 1000);
}

TEST(ExpertCache, PoliciesDifferOnAClassicSequence) {
    // Capacity 2, top-1 requests 0 1 0 2 1 0; token 2 hits 0 under every policy.
    //   LRU: token 3 evicts 1 (older), token 4 evicts 0, token 5 evicts 2: 1 hit.
    //   LFU: token 3 evicts 1 (1 request vs 2), token 4 evicts 2 (1 vs 2), token 5 hits 0: 2.
    const Sets sets = {{0}, {1}, {0}, {2}, {1}, {0}};
    EXPECT_EQ(simulated_hits(sets, 3, 2, CachePolicy::lru), 1);
    EXPECT_EQ(simulated_hits(sets, 3, 2, CachePolicy::lfu), 2);
    //   oracle: token 3 evicts 0 (next wanted at 5, 1 at 4); token 4 hits 1; token 5 finds 1
    //   and 2 both never wanted again and evicts the lower id, 1: 2 hits.
    EXPECT_EQ(simulated_hits(sets, 3, 2, CachePolicy::oracle), 2);
}

TEST(ExpertCache, RejectsSetsLargerThanTheCache) {
    ExpertCache cache(8, 2, CachePolicy::lru);
    const ExpertId set[3] = {0, 1, 2};
    EXPECT_THROW(cache.request(set, 3), std::invalid_argument);
    EXPECT_THROW(ExpertCache(8, 0, CachePolicy::lfu), std::invalid_argument);
    // A replay at 4 that saw a set of 3 has no answer for a cache of 2, nor for 5.
    ExpertCache wide(8, 4, CachePolicy::lfu);
    wide.request(set, 3);
    EXPECT_EQ(wide.hits(3), 0);
    EXPECT_THROW(wide.hits(2), std::invalid_argument);
    EXPECT_THROW(wide.hits(5), std::invalid_argument);
}

}  // namespace
}  // namespace moe::analysis
