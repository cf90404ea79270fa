#include "models/attention_kernel.h"

#include <algorithm>
#include <cmath>

#include "ops/ops.h"
#include "parallel/thread_pool.h"

namespace moe {

namespace {

constexpr int kPositionsPerBlock = 64;
constexpr size_t kSplitBelowProblems = 8;  // more problems than this keep both threads busy whole
constexpr int64_t kValueColumns = 64;      // a 64-column slice of a block's values stays in L1

// A block's result for each of its queries: the largest score m, Σ_j e^(s_j − m), and
// Σ_j e^(s_j − m)·v_j (value_dim floats).
int64_t partial_floats_per_query(const AttentionProblem& p) { return 2 + p.kv.value_dim; }

struct Block {
    size_t problem;
    int begin, end;   // positions
    int64_t partial;  // offset of its partials, or -1 when the block is the whole problem
};

// Scores, exponentiates and sums positions [block.begin, block.end) for every query. With
// partial < 0, writes the normalised output; otherwise the unnormalised sums and the maximum.
void run_block(const AttentionProblem& p, const Block& block, float* partials, std::vector<float>& scores) {
    const SharedKv& kv = p.kv;
    const int n_queries = p.queries.count, len = block.end - block.begin;
    scores.resize(static_cast<size_t>(n_queries) * len);
    for (int j = 0; j < len; ++j) {  // each key row is loaded once for all the queries
        const float* key = kv.keys + static_cast<int64_t>(block.begin + j) * kv.key_stride;
        const float* rope_key = kv.rope_keys ? kv.rope_keys + static_cast<int64_t>(block.begin + j) * kv.rope_key_stride
                                             : nullptr;
        for (int r = 0; r < n_queries; ++r) {
            float s = ops::dot(p.queries.q + r * p.queries.stride, key, kv.key_dim);
            if (rope_key) s += ops::dot(p.queries.rope + r * p.queries.rope_stride, rope_key, kv.rope_key_dim);
            scores[static_cast<size_t>(r) * len + j] = s * kv.scale;
        }
    }
    std::vector<float> maxima(n_queries), sums(n_queries);
    const bool whole = block.partial < 0;
    for (int r = 0; r < n_queries; ++r) {
        float* row = &scores[static_cast<size_t>(r) * len];
        float m = *std::max_element(row, row + len);
        double sum = 0.0;
        if (whole && p.queries.sinks) {  // split blocks leave the sink to merge_blocks
            m = std::max(m, p.queries.sinks[r]);
            sum = std::exp(static_cast<double>(p.queries.sinks[r]) - m);
        }
        for (int j = 0; j < len; ++j) {
            row[j] = std::exp(row[j] - m);
            sum += row[j];
        }
        maxima[r] = m;
        sums[r] = static_cast<float>(sum);
        if (whole)  // the whole problem: normalise the weights now
            for (int j = 0; j < len; ++j) row[j] = static_cast<float>(row[j] / sum);
    }
    const int64_t stride = partial_floats_per_query(p);
    auto output_of = [&](int r) {
        return block.partial < 0 ? p.out + r * p.out_stride : partials + block.partial + r * stride + 2;
    };
    const float* values = kv.values + static_cast<int64_t>(block.begin) * kv.value_stride;
    for (int64_t c0 = 0; c0 < kv.value_dim; c0 += kValueColumns) {
        const int64_t width = std::min(kValueColumns, kv.value_dim - c0);
        for (int r = 0; r < n_queries; ++r)
            ops::weighted_row_sum(&scores[static_cast<size_t>(r) * len], values + c0, len, kv.value_stride,
                                  output_of(r) + c0, width);
    }
    if (block.partial < 0) return;
    for (int r = 0; r < n_queries; ++r) {
        partials[block.partial + r * stride] = maxima[r];
        partials[block.partial + r * stride + 1] = sums[r];
    }
}

// out_r = Σ_k e^(m_k − M)·acc_k / (e^(sink − M) + Σ_k e^(m_k − M)·l_k) over the blocks of one
// problem, in order; M is the largest of the m_k and the sink.
void merge_blocks(const AttentionProblem& p, const Block* blocks, size_t n_blocks, const float* partials) {
    const int64_t stride = partial_floats_per_query(p), width = p.kv.value_dim;
    std::vector<double> acc(width);
    for (int r = 0; r < p.queries.count; ++r) {
        const float* sink = p.queries.sinks ? &p.queries.sinks[r] : nullptr;
        float m = sink ? *sink : -INFINITY;
        for (size_t k = 0; k < n_blocks; ++k) m = std::max(m, partials[blocks[k].partial + r * stride]);
        std::fill(acc.begin(), acc.end(), 0.0);
        double sum = sink ? std::exp(static_cast<double>(*sink) - m) : 0.0;
        for (size_t k = 0; k < n_blocks; ++k) {
            const float* part = partials + blocks[k].partial + r * stride;
            const double factor = std::exp(static_cast<double>(part[0]) - m);
            sum += factor * part[1];
            for (int64_t c = 0; c < width; ++c) acc[c] += factor * part[2 + c];
        }
        float* out = p.out + r * p.out_stride;
        for (int64_t c = 0; c < width; ++c) out[c] = static_cast<float>(acc[c] / sum);
    }
}

}  // namespace

void attend(const std::vector<AttentionProblem>& problems, ThreadPool& pool) {
    const bool split = problems.size() < kSplitBelowProblems;
    std::vector<Block> blocks;
    std::vector<size_t> first_block(problems.size() + 1, 0);
    int64_t partial_floats = 0;
    for (size_t i = 0; i < problems.size(); ++i) {
        const AttentionProblem& p = problems[i];
        const int step = split ? kPositionsPerBlock : std::max(1, p.n_positions);
        const bool whole = p.n_positions <= step;
        for (int begin = 0; begin < p.n_positions; begin += step) {
            blocks.push_back({i, begin, std::min(begin + step, p.n_positions), whole ? -1 : partial_floats});
            if (!whole) partial_floats += p.queries.count * partial_floats_per_query(p);
        }
        first_block[i + 1] = blocks.size();
    }
    std::vector<float> partials(static_cast<size_t>(partial_floats));
    pool.parallel_for(static_cast<int64_t>(blocks.size()), [&](int64_t begin, int64_t end, int) {
        thread_local std::vector<float> scores;
        for (int64_t b = begin; b < end; ++b)
            run_block(problems[blocks[b].problem], blocks[b], partials.data(), scores);
    });
    for (size_t i = 0; i < problems.size(); ++i) {
        const size_t n_blocks = first_block[i + 1] - first_block[i];
        if (n_blocks > 1) merge_blocks(problems[i], &blocks[first_block[i]], n_blocks, partials.data());
    }
}

}  // namespace moe
