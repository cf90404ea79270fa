// Scaled dot-product attention over the KV cache, for every query of a layer in one parallel loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace moe {

class ThreadPool;

// One key/value stream shared by several query vectors at one position: a DeepSeek MLA layer
// (all heads share the latent) or one group of a GQA layer. Keys and values live in the cache,
// positions 0..n_positions-1, `stride` floats apart.
struct SharedKv {
    const float* keys;
    int key_dim, key_stride;
    const float* rope_keys;  // optional second key part (MLA's shared rope key), or null
    int rope_key_dim, rope_key_stride;
    const float* values;
    int value_dim, value_stride;
    float scale;
};

struct Queries {
    int count;
    const float* q;       // query r at q + r·stride (key_dim floats)
    int64_t stride;
    const float* rope;    // its rope part at rope + r·rope_stride, when the keys have one
    int64_t rope_stride;
    const float* sinks;   // sink logit of query r at sinks[r] (gpt-oss), or null
};

// For every query r: out_r (value_dim) = Σ_j softmax_j(τ·(q_r·k_j + q_rope_r·k_rope_j))·v_j,
// j < n_positions, with out_r at out + r·out_stride. A sink joins the softmax as one more
// logit with no value row: it only adds e^sink_r to the denominator.
struct AttentionProblem {
    SharedKv kv;
    int n_positions;
    Queries queries;
    float* out;
    int64_t out_stride;
};

// Solves all problems (every token and KV group of a layer) in one parallel loop, so a layer's
// attention costs one barrier. When there are few problems (decoding), each is cut into blocks
// of positions whose partial softmax sums are merged afterwards, so both threads share even a
// single head group. A block's size depends only on its problem's length (64 positions, more past
// 2048): results do not depend on the thread count.
void attend(const std::vector<AttentionProblem>& problems, ThreadPool& pool);

struct AttentionBlock {
    size_t problem;
    int begin, end;   // positions
    int64_t partial;  // offset of its partials, or -1 when the block is the whole problem
};

// attend without its merges: the constructor runs the blocks, and query r of problem i is
// ready once merge(i, r) has run (any thread, several queries at once), so the merges can run
// inside the next parallel loop (deepseek2 merges each head as its V_b product needs it). The
// partials live in the constructing thread's scratch until its next PendingAttention.
class PendingAttention {
public:
    PendingAttention(const std::vector<AttentionProblem>& problems, ThreadPool& pool);
    void merge(size_t problem, int query) const;

private:
    const std::vector<AttentionProblem>& problems_;
    std::vector<AttentionBlock> blocks_;
    std::vector<size_t> first_block_;  // problem i's blocks: [first_block_[i], first_block_[i + 1])
    float* partials_ = nullptr;
};

}  // namespace moe
