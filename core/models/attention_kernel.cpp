#include "models/attention_kernel.h"

#include <algorithm>
#include <cmath>

#include "ops/ops.h"
#include "parallel/thread_pool.h"
#include "quant/quant.h"
#include "util/scratch.h"

namespace moe {

namespace {

// A split problem's blocks take 64 positions, or a multiple of 64 that keeps them to at most 32
// at long contexts: every block leaves a partial row per query for the merge to read, and at
// 4000 positions 63 blocks' partials (2 MB a layer) made the merges an eighth of the attention.
constexpr int kPositionsPerBlock = 64;
constexpr int kMaxBlocksPerProblem = 32;
int positions_per_block(int n_positions) {
    const int blocks_of_64 = (n_positions + kPositionsPerBlock - 1) / kPositionsPerBlock;
    return kPositionsPerBlock * ((blocks_of_64 + kMaxBlocksPerProblem - 1) / kMaxBlocksPerProblem);
}
constexpr size_t kSplitBelowProblems = 8;  // more problems than this keep both threads busy whole

// A block's result for each of its queries: the largest score m, Σ_j e^(s_j − m), and
// Σ_j e^(s_j − m)·v_j (value_dim floats).
int64_t partial_floats_per_query(const AttentionProblem& p) { return 2 + p.kv.value_dim; }

// Scores, exponentiates and sums positions [block.begin, block.end) for every query. With
// partial < 0, writes the normalised output; otherwise the unnormalised sums and the maximum.
// The scores are one F32 product of the queries with the block's keys, and the outputs one
// weighted sum of its value rows for all queries: each key and value row is read once per block.
void run_block(const AttentionProblem& p, const AttentionBlock& block, float* partials, std::vector<float>& scores,
               std::vector<float>& rope_scores) {
    const SharedKv& kv = p.kv;
    const int n_queries = p.queries.count, len = block.end - block.begin;
    scores.resize(static_cast<size_t>(n_queries) * len);
    quant::gemm_f32(kv.keys + static_cast<int64_t>(block.begin) * kv.key_stride, kv.key_stride, len, kv.key_dim,
                    p.queries.q, p.queries.stride, n_queries, scores.data(), len);
    if (kv.rope_keys) {
        rope_scores.resize(scores.size());
        quant::gemm_f32(kv.rope_keys + static_cast<int64_t>(block.begin) * kv.rope_key_stride, kv.rope_key_stride, len,
                        kv.rope_key_dim, p.queries.rope, p.queries.rope_stride, n_queries, rope_scores.data(), len);
        for (size_t k = 0; k < scores.size(); ++k) scores[k] += rope_scores[k];
    }
    for (float& s : scores) s *= kv.scale;
    std::vector<float> maxima(n_queries);
    std::vector<double> totals(n_queries, 0.0);
    const bool whole = block.partial < 0;
    const bool sink = whole && p.queries.sinks;  // split blocks leave the sink to merge_query
    for (int r = 0; r < n_queries; ++r) {
        float* row = &scores[static_cast<size_t>(r) * len];
        maxima[r] = sink ? std::max(ops::largest(row, len), p.queries.sinks[r]) : ops::largest(row, len);
        ops::shifted_exp(row, maxima[r], row, len);
        if (sink) totals[r] = std::exp(static_cast<double>(p.queries.sinks[r]) - maxima[r]);
    }
    // Each query's weights summed in double, position after position; the queries' chains
    // interleave, where one query at a time waited on each add.
    for (int j = 0; j < len; ++j)
        for (int r = 0; r < n_queries; ++r) totals[r] += scores[static_cast<size_t>(r) * len + j];
    if (whole) {  // the whole problem: normalise the weights now
        for (int r = 0; r < n_queries; ++r) {
            float* row = &scores[static_cast<size_t>(r) * len];
            for (int j = 0; j < len; ++j) row[j] = static_cast<float>(row[j] / totals[r]);
        }
    }
    const int64_t stride = partial_floats_per_query(p);
    float* out = whole ? p.out : partials + block.partial + 2;
    ops::weighted_row_sums(scores.data(), len, n_queries, kv.values + static_cast<int64_t>(block.begin) * kv.value_stride,
                           len, kv.value_stride, out, whole ? p.out_stride : stride, kv.value_dim);
    if (block.partial < 0) return;
    for (int r = 0; r < n_queries; ++r) {
        partials[block.partial + r * stride] = maxima[r];
        partials[block.partial + r * stride + 1] = static_cast<float>(totals[r]);
    }
}

// out_r = Σ_k e^(m_k − M)·acc_k / (e^(sink − M) + Σ_k e^(m_k − M)·l_k) over the blocks of one
// problem, in order; M is the largest of the m_k and the sink.
void merge_query(const AttentionProblem& p, int r, const AttentionBlock* blocks, size_t n_blocks, const float* partials) {
    const int64_t stride = partial_floats_per_query(p);
    thread_local std::vector<double> factors;
    thread_local std::vector<const float*> sums;
    factors.resize(n_blocks);
    sums.resize(n_blocks);
    const float* sink = p.queries.sinks ? &p.queries.sinks[r] : nullptr;
    float m = sink ? *sink : -INFINITY;
    for (size_t k = 0; k < n_blocks; ++k) m = std::max(m, partials[blocks[k].partial + r * stride]);
    double denominator = sink ? std::exp(static_cast<double>(*sink) - m) : 0.0;
    for (size_t k = 0; k < n_blocks; ++k) {
        const float* part = partials + blocks[k].partial + r * stride;
        factors[k] = std::exp(static_cast<double>(part[0]) - m);
        denominator += factors[k] * part[1];
        sums[k] = part + 2;
    }
    ops::scaled_row_sum(sums.data(), factors.data(), static_cast<int64_t>(n_blocks), denominator,
                        p.out + r * p.out_stride, p.kv.value_dim);
}

}  // namespace

PendingAttention::PendingAttention(const std::vector<AttentionProblem>& problems, ThreadPool& pool)
    : problems_(problems), first_block_(problems.size() + 1, 0) {
    const bool split = problems.size() < kSplitBelowProblems;
    int64_t partial_floats = 0;
    for (size_t i = 0; i < problems.size(); ++i) {
        const AttentionProblem& p = problems[i];
        const int step = split ? std::max(1, positions_per_block(p.n_positions)) : std::max(1, p.n_positions);
        const bool whole = p.n_positions <= step;
        for (int begin = 0; begin < p.n_positions; begin += step) {
            blocks_.push_back({i, begin, std::min(begin + step, p.n_positions), whole ? -1 : partial_floats});
            if (!whole) partial_floats += p.queries.count * partial_floats_per_query(p);
        }
        first_block_[i + 1] = blocks_.size();
    }
    // Every partial is written by its block before a merge reads it. A fresh vector per call
    // was zeroed, and page-faulted in (above glibc's mmap threshold), by the calling thread at
    // every layer of a long-context decode while the workers waited.
    thread_local ScratchBuffer partials_buffer;
    partials_ = partials_buffer.floats(static_cast<size_t>(partial_floats));
    pool.parallel_for(static_cast<int64_t>(blocks_.size()), [&](int64_t begin, int64_t end, int) {
        thread_local std::vector<float> scores, rope_scores;
        for (int64_t b = begin; b < end; ++b)
            run_block(problems[blocks_[b].problem], blocks_[b], partials_, scores, rope_scores);
    });
}

void PendingAttention::merge(size_t problem, int query) const {
    const size_t n_blocks = first_block_[problem + 1] - first_block_[problem];
    if (n_blocks > 1) merge_query(problems_[problem], query, &blocks_[first_block_[problem]], n_blocks, partials_);
}

void attend(const std::vector<AttentionProblem>& problems, ThreadPool& pool) {
    const PendingAttention pending(problems, pool);
    for (size_t i = 0; i < problems.size(); ++i)
        for (int r = 0; r < problems[i].queries.count; ++r) pending.merge(i, r);
}

}  // namespace moe
