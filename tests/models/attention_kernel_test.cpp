// attend() against a plain double-precision softmax attention: MLA-like problems (a rope key part,
// keys and values in wider rows), six queries per problem (a group of four and two left over in
// the weighted sums), as one prefill (every problem whole) and as a decode step (a single problem
// cut into position blocks whose partial softmaxes are merged), and a few problems so cut at once.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "models/attention_kernel.h"
#include "parallel/thread_pool.h"

namespace moe {
namespace {

constexpr int kKeyDim = 40, kRopeDim = 8, kValueDim = 70, kQueries = 6;
constexpr int kKeyStride = 48, kRopeStride = 8, kValueStride = 75;  // rows wider than what is read
constexpr float kScale = 0.17f;

struct Cache {
    std::vector<float> keys, rope_keys, values;
    explicit Cache(int positions, std::mt19937& rng) {
        std::normal_distribution<float> normal(0.0f, 1.0f);
        keys.resize(static_cast<size_t>(positions) * kKeyStride);
        rope_keys.resize(static_cast<size_t>(positions) * kRopeStride);
        values.resize(static_cast<size_t>(positions) * kValueStride);
        for (float& v : keys) v = normal(rng);
        for (float& v : rope_keys) v = normal(rng);
        for (float& v : values) v = normal(rng);
    }
    SharedKv kv() const {
        return {keys.data(), kKeyDim, kKeyStride, rope_keys.data(), kRopeDim, kRopeStride, values.data(), kValueDim,
                kValueStride, kScale};
    }
};

// softmax_j(τ·(q·k_j + q_rope·k_rope_j)) · v_j over positions j < n, in double.
std::vector<double> plain_attention(const Cache& cache, const float* q, const float* rope, int n) {
    std::vector<double> scores(n), out(kValueDim, 0.0);
    double largest = -INFINITY, total = 0.0;
    for (int j = 0; j < n; ++j) {
        double s = 0.0;
        for (int k = 0; k < kKeyDim; ++k) s += static_cast<double>(q[k]) * cache.keys[j * kKeyStride + k];
        for (int k = 0; k < kRopeDim; ++k) s += static_cast<double>(rope[k]) * cache.rope_keys[j * kRopeStride + k];
        scores[j] = kScale * s;
        largest = std::max(largest, scores[j]);
    }
    for (int j = 0; j < n; ++j) total += scores[j] = std::exp(scores[j] - largest);
    for (int j = 0; j < n; ++j)
        for (int c = 0; c < kValueDim; ++c) out[c] += scores[j] / total * cache.values[j * kValueStride + c];
    return out;
}

// attend()'s output for n_tokens problems, token i over positions 0..first_position + i, checked
// against plain_attention.
std::vector<float> expect_plain_attention(int n_tokens, int first_position, int threads) {
    std::mt19937 rng(static_cast<unsigned>(31 + n_tokens));
    const int positions = first_position + n_tokens;
    const Cache cache(positions, rng);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> q(static_cast<size_t>(n_tokens) * kQueries * kKeyDim), rope(n_tokens * kQueries * kRopeDim);
    for (float& v : q) v = normal(rng);
    for (float& v : rope) v = normal(rng);
    std::vector<float> out(static_cast<size_t>(n_tokens) * kQueries * kValueDim, 0.0f);
    std::vector<AttentionProblem> problems;
    for (int i = 0; i < n_tokens; ++i) {  // token i sees positions 0..first_position + i
        const Queries queries{kQueries, &q[i * kQueries * kKeyDim], kKeyDim, &rope[i * kQueries * kRopeDim], kRopeDim,
                              nullptr};
        problems.push_back({cache.kv(), first_position + i + 1, queries, &out[i * kQueries * kValueDim], kValueDim});
    }
    ThreadPool pool(threads);
    attend(problems, pool);
    for (int i = 0; i < n_tokens; ++i) {
        for (int r = 0; r < kQueries; ++r) {
            const int query = i * kQueries + r;
            const std::vector<double> expected =
                plain_attention(cache, &q[query * kKeyDim], &rope[query * kRopeDim], first_position + i + 1);
            for (int c = 0; c < kValueDim; ++c)
                EXPECT_NEAR(out[query * kValueDim + c], expected[c], 2e-5) << "token " << i << " query " << r << " column " << c;
        }
    }
    return out;
}

TEST(Attention, APrefillOfWholeProblemsMatchesPlainSoftmaxAttention) {
    expect_plain_attention(20, 0, 2);  // 20 problems: each one whole
}

TEST(Attention, ADecodeStepCutIntoPositionBlocksMatchesPlainSoftmaxAttention) {
    expect_plain_attention(1, 200, 2);  // one problem over 201 positions: four blocks merged
}

// Three problems (fewer than keep the threads busy whole) over 151–153 positions: each cut into
// three blocks, merged problem by problem.
TEST(Attention, SeveralSplitProblemsMatchPlainSoftmaxAttention) { expect_plain_attention(3, 150, 2); }

// Blocks are cut by positions, never by threads: the same floats on 1, 2 or 3 threads.
TEST(Attention, TheThreadCountDoesNotChangeTheResult) {
    const std::vector<float> one = expect_plain_attention(3, 150, 1);
    EXPECT_EQ(expect_plain_attention(3, 150, 2), one);
    EXPECT_EQ(expect_plain_attention(3, 150, 3), one);
}

// Past 2048 positions the blocks grow (a multiple of 64 positions, at most 32 blocks): 5000
// positions in 27 blocks of 192: still the plain attention, and the same floats on any thread count.
TEST(Attention, ALongDecodeStepInLargerBlocksMatchesPlainSoftmaxAttention) {
    const std::vector<float> one = expect_plain_attention(1, 4999, 1);
    EXPECT_EQ(expect_plain_attention(1, 4999, 3), one);
}

// PendingAttention leaves each split query's merge to the caller: nothing is written before
// merge(i, r), and merges run on any thread in any order give attend's very floats.
TEST(Attention, MergesLeftToTheCallerGiveAttendsFloats) {
    std::mt19937 rng(5);
    const int n_tokens = 2, first_position = 150;
    const Cache cache(first_position + n_tokens, rng);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> q(n_tokens * kQueries * kKeyDim), rope(n_tokens * kQueries * kRopeDim);
    for (float& v : q) v = normal(rng);
    for (float& v : rope) v = normal(rng);
    auto problems_into = [&](std::vector<float>& out) {
        std::vector<AttentionProblem> problems;
        for (int i = 0; i < n_tokens; ++i) {
            const Queries queries{kQueries, &q[i * kQueries * kKeyDim], kKeyDim, &rope[i * kQueries * kRopeDim],
                                  kRopeDim, nullptr};
            problems.push_back({cache.kv(), first_position + i + 1, queries, &out[i * kQueries * kValueDim], kValueDim});
        }
        return problems;
    };
    ThreadPool pool(2);
    std::vector<float> attended(n_tokens * kQueries * kValueDim, -1.0f), deferred(attended.size(), -1.0f);
    attend(problems_into(attended), pool);
    const std::vector<AttentionProblem> problems = problems_into(deferred);
    const PendingAttention pending(problems, pool);
    EXPECT_EQ(deferred, std::vector<float>(deferred.size(), -1.0f));  // three blocks each: all left to merge
    pool.parallel_for(n_tokens * kQueries, [&](int64_t begin, int64_t end, int) {
        for (int64_t k = end - 1; k >= begin; --k) pending.merge(static_cast<size_t>(k / kQueries), static_cast<int>(k % kQueries));
    });
    EXPECT_EQ(deferred, attended);
}

}  // namespace
}  // namespace moe
