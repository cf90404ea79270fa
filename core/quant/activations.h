// Activation vectors quantized to 8 bits once per mat-vec or mat-mul, so the kernels can multiply
// them with quantized weights in integer arithmetic (what llama.cpp does on the CPU: Q8_0 blocks
// for the legacy weight types, Q8_K blocks for the K-quants).
#pragma once

#include <cstdint>
#include <vector>

#include "gguf/tensor_types.h"
#include "util/scratch.h"

namespace moe::quant {

enum class ActivationFormat {
    F32,     // kept exact: F32/F16/BF16 weights
    Q8_32,   // 32 values per scale, d = absmax/127 rounded to F16 (llama.cpp's Q8_0 / Q8_1)
    Q8_256,  // 256 values per scale, d = −max/127 in F32, max the signed value of largest |x| (Q8_K)
};

// The 8-bit format a weight type's integer dot product takes.
ActivationFormat activation_format(GgmlType weight);
int activation_block(ActivationFormat format);  // values per scale: 32 or 256

// One quantized activation vector: value i is d[i / block] · q[i]; sums[g] = Σ q over values
// 16g..16g+15 (what the min terms of Q4_1/Q5_1 and the K-quants multiply).
struct QuantizedRow {
    const int8_t* q;
    const float* d;
    const int16_t* sums;
};

// Quantizes n_rows activation vectors of `cols` values (a multiple of the format's block), row i
// at x + i·ldx, into q (n_rows·cols), d (n_rows·cols/block) and sums (n_rows·cols/16).
void quantize_activations(ActivationFormat format, const float* x, int64_t n_rows, int64_t cols, int64_t ldx,
                          int8_t* q, float* d, int16_t* sums);

// A mat-mul's quantized activations, in the calling thread's scratch buffers: reused across
// calls, and returned to the OS with the rest of the thread's scratch (ScratchRelease).
class QuantizedActivations {
public:
    void quantize(ActivationFormat format, const float* x, int64_t n_rows, int64_t cols, int64_t ldx);
    // The same in two steps, so that threads can share the rows: buffers for n_rows vectors (on
    // the thread that owns this object), then vectors [begin, end) from any thread.
    void reserve(ActivationFormat format, int64_t n_rows, int64_t cols);
    void quantize_rows(const float* x, int64_t ldx, int64_t begin, int64_t end);
    QuantizedRow row(int64_t i) const;
    ActivationFormat format() const { return format_; }

private:
    ActivationFormat format_ = ActivationFormat::F32;
    int64_t cols_ = 0;
    ScratchBuffer q_buffer_, d_buffer_, sums_buffer_;
    int8_t* q_ = nullptr;
    float* d_ = nullptr;
    int16_t* sums_ = nullptr;
};

// The values a quantized row stands for (d · q), for tests.
std::vector<float> dequantize_activations(ActivationFormat format, const QuantizedRow& row, int64_t n);

}  // namespace moe::quant
