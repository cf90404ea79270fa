// Matrix-vector and matrix-matrix products with a GGUF weight matrix, split over a thread pool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "gguf/tensor_types.h"
#include "quant/activations.h"

namespace moe {

class ThreadPool;

// A 2-D weight [cols (ne0, input), rows (ne1, output)], one stored row per output.
// For a 3-D expert tensor, expert e is the WeightMatrix at data + e * rows * row_stride.
struct WeightMatrix {
    GgmlType type = GgmlType::F32;
    const uint8_t* data = nullptr;
    int64_t cols = 0;         // ne0: input width
    int64_t rows = 0;         // ne1: output width
    size_t row_stride = 0;    // bytes per stored row
    bool grouped = false;     // rows stored 16 at a time (quant/row_groups.h): row r's bytes are not at row(r)
    // A 2-D weight (not an expert's or a head's slab) whose rows are a multiple of 8: llama.cpp
    // repacks such Q4_K weights, and its GEMM over four tokens at a time steps each float chain once
    // per pair of sub-blocks where its one-token kernel steps once per super-block. A prefill's
    // tiles of four tokens over such a weight round as that GEMM, where a kernel has them (Q4_K).
    bool gemm_rounding = false;
    const uint8_t* row(int64_t r) const { return data + static_cast<size_t>(r) * row_stride; }
};

// Products started on this thread multiply quantized weights with activations quantized to
// 8 bits (activations.h), as llama.cpp does, unless an ExactActivations scope is open here: then
// activations stay F32 and weights are expanded exactly (bit-careful comparisons, --exact).
// F32/F16/BF16 weights always take F32 activations.
class ExactActivations {
public:
    explicit ExactActivations(bool exact);
    ~ExactActivations();
    ExactActivations(const ExactActivations&) = delete;
    ExactActivations& operator=(const ExactActivations&) = delete;

private:
    bool previous_;
};
bool exact_activations();

// Dot products of one weight type's rows with one activation vector, which is quantized once
// here (unless exact); callable from any thread.
class RowDot {
public:
    RowDot(GgmlType type, const float* x, int64_t cols);
    // Reuses `other`'s quantized vector: call only when other.can_share(type, x).
    RowDot(GgmlType type, const RowDot& other);
    bool can_share(GgmlType type, const float* x) const;
    // y[r − begin] for rows [begin, end) of w, stored plain or in groups: each row as the type's
    // one-row kernel rounds it (dot_row_q8, or dot_row when exact); some integer kernels prepare
    // the activation once for all of them.
    void rows(const WeightMatrix& w, int64_t begin, int64_t end, float* y) const;

private:
    using DotFn = float (*)(const void*, const float*, int64_t);
    using DotQ8Fn = float (*)(const void*, const quant::QuantizedRow&, int64_t);
    GgmlType type_;
    const float* x_;
    quant::ActivationFormat format_;
    DotFn dot_;
    DotQ8Fn dot_q8_;
    struct Quantized {  // one vector: small, so plain heap memory
        std::vector<int8_t> q;
        std::vector<float> d;
        std::vector<int16_t> sums;
        quant::QuantizedRow row;
    };
    std::shared_ptr<const Quantized> quantized_;
};

// y (rows) = W · x (cols). Rows are split across the pool's threads.
void matvec(const WeightMatrix& w, const float* x, float* y, ThreadPool& pool);

// Y (n × rows, row stride ldy) = X (n × cols, row stride ldx) · Wᵀ: the same product for n
// activation vectors at once: quantized, each stored row is reused from cache for all n; exact,
// each stored row is expanded once and reused for all n.
void matmul(const WeightMatrix& w, const float* x, int64_t ldx, int64_t n, float* y, int64_t ldy,
            ThreadPool& pool);

// Several products Y = X · Wᵀ in one parallel loop (every expert's gate and up projections of a
// prefill): one barrier instead of one per product, and consecutive jobs with the same
// activations quantize them once. Products that keep F32 activations (--exact, F32/F16 weights)
// run one after another as matmul does.
struct MatmulJob {
    WeightMatrix w;
    const float* x;  // (n, w.cols), row stride ldx
    int64_t ldx, n;
    float* y;  // (n, w.rows), row stride ldy
    int64_t ldy;
};
void matmul_batch(const std::vector<MatmulJob>& jobs, ThreadPool& pool);

}  // namespace moe
