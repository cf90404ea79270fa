// Products and attention pieces shared by the layers of every architecture.
#pragma once

#include <functional>
#include <vector>

#include "quant/matmul.h"

namespace moe {

class ThreadPool;

// Y (n, w.rows) = X (n, w.cols) · Wᵀ with contiguous rows; a mat-vec when n == 1.
void project_rows(const WeightMatrix& w, const float* x, int n, float* y, ThreadPool& pool);

// The same activations X (n, cols) through several weights at once (e.g. q, k and v): one
// batched mat-vec when decoding a single token, one batched GEMM otherwise.
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

// Writes job j's x (an expert's activation function, the merge of a head's attention blocks).
using PrepareInput = std::function<void(size_t job)>;

// Several independent mat-vecs in one parallel loop over all their rows: decoding one token
// through six small experts then costs one synchronisation instead of eighteen. Chunks carry
// equal bytes of weights, so rows of heavier types are spread as evenly as light ones.
// Each activation is made ready (prepare, when given, then its 8-bit quantization) inside the
// loop by the first thread to reach a row of its job, while the other threads stream other jobs:
// a decode's threads no longer wait for that serial work at every batch. prepare runs once for
// each run of consecutive jobs that read the same x, for the first of them, and may run on any
// thread, several at once.
void matvec_batch(const std::vector<MatvecJob>& jobs, ThreadPool& pool, const PrepareInput& prepare = nullptr);

// y (w.rows) = W · x on the calling thread (for small per-head matrices inside a parallel job);
// w's rows stored plainly (not in groups), as for matvec_transposed_serial.
void matvec_serial(const WeightMatrix& w, const float* x, float* y);

// y (w.cols) = Wᵀ · x (x: w.rows) on the calling thread; `row` is scratch of w.cols floats.
void matvec_transposed_serial(const WeightMatrix& w, const float* x, float* y, std::vector<float>& row);

}  // namespace moe
