// Products and attention pieces shared by the layers of every architecture.
#pragma once

#include <vector>

#include "quant/matmul.h"

namespace moe {

class ThreadPool;

// Y (n, w.rows) = X (n, w.cols) · Wᵀ with contiguous rows; a mat-vec when n == 1.
void project_rows(const WeightMatrix& w, const float* x, int n, float* y, ThreadPool& pool);

// The same activations X (n, cols) through several weights at once (e.g. q, k and v): one
// batched mat-vec when decoding a single token, one GEMM per weight otherwise.
struct Projection {
    WeightMatrix w;
    float* y;  // (n, w.rows)
};
void project_all(const std::vector<Projection>& projections, const float* x, int n, ThreadPool& pool);

struct MatvecJob {
    WeightMatrix w;
    const float* x;  // (w.cols)
    float* y;        // (w.rows)
};

// Several independent mat-vecs in one parallel loop over all their rows: decoding one token
// through six small experts then costs one synchronisation instead of eighteen.
void matvec_batch(const std::vector<MatvecJob>& jobs, ThreadPool& pool);

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
};

// For every query r: out_r (value_dim) = Σ_j softmax_j(τ·(q_r·k_j + q_rope_r·k_rope_j))·v_j, with
// out_r at out + r·out_stride. Each cached key and value is read once for all the queries, so
// this runs as two small GEMMs.
void attend_shared(const SharedKv& kv, int n_positions, const Queries& queries, float* out, int64_t out_stride,
                   ThreadPool& pool);

// y (w.rows) = W · x on the calling thread (for small per-head matrices inside a parallel job).
void matvec_serial(const WeightMatrix& w, const float* x, float* y);

// y (w.cols) = Wᵀ · x (x: w.rows) on the calling thread; `row` is scratch of w.cols floats.
void matvec_transposed_serial(const WeightMatrix& w, const float* x, float* y, std::vector<float>& row);

}  // namespace moe
