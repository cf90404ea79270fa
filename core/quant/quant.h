// Per-type numeric kernels over GGUF tensor blocks (reference §4.2-§4.4).
// Every fast kernel has a `_reference` twin (plain scalar code written straight from the block
// formulas) that the tests compare it against.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "gguf/tensor_types.h"
#include "quant/activations.h"

namespace moe::quant {

// Types that have dequantize/dot/quantize kernels here.
bool is_supported(GgmlType type);

// Instruction set the fast kernels dispatched to at start-up: "avx512", "avx2" or "scalar".
const char* active_isa();
// Tests and benchmarks may pin a lower level ("scalar", "avx2", "avx512"); returns false if the
// CPU lacks it. Not thread-safe: call before any kernel runs.
bool force_isa(const std::string& isa);

float fp16_to_fp32(uint16_t h);
uint16_t fp32_to_fp16(float f);  // round to nearest even
float bf16_to_fp32(uint16_t h);
uint16_t fp32_to_bf16(float f);  // round to nearest even

// n values (a multiple of the type's block size) from `src` to `dst`.
void dequantize_row(GgmlType type, const void* src, float* dst, int64_t n);
void dequantize_row_reference(GgmlType type, const void* src, float* dst, int64_t n);

// Σ_i row[i]·x[i] for one stored row of n values, with x in F32 (weights are expanded in
// registers; activations are never quantized, so results match an exact-dequantize reference).
float dot_row(GgmlType type, const void* row, const float* x, int64_t n);
float dot_row_reference(GgmlType type, const void* row, const float* x, int64_t n);

// The same with x quantized to 8 bits (activation_format(type), not F32): integer products of
// the codes, exact up to the float rounding of the per-block scale terms.
float dot_row_q8(GgmlType type, const void* row, const QuantizedRow& x, int64_t n);
float dot_row_q8_reference(GgmlType type, const void* row, const QuantizedRow& x, int64_t n);
// Rows [0, count) at rows + r·stride against one x: out[r] = dot_row_q8(type, row r, x, n), bit
// for bit (a decode's mat-vec, where some kernels prepare x once for all the rows).
void dot_rows_q8(GgmlType type, const void* rows, size_t stride, int64_t count, const QuantizedRow& x, int64_t n,
                 float* out);
// The prefill GEMM's unit: 4 stored rows (row r at rows + r·stride) times 4 activation vectors
// x[0..3] at once, out[t·4 + r] = dot_row_q8(type, row r, x[t], n) up to float summation order.
constexpr int kTileRows = 4;
constexpr int kTileTokens = 4;
void dot_tile_q8(GgmlType type, const void* rows, size_t stride, const QuantizedRow* x, int64_t n, float* out);

// F32 products on the calling thread: y[i·ldy + r] = Σ_k w[r·ldw + k] · x[i·ldx + k] for
// r < n_rows, i < n, k < cols (attention's scores: a position block's keys against all its queries).
void gemm_f32(const float* w, int64_t ldw, int64_t n_rows, int64_t cols, const float* x, int64_t ldx, int64_t n,
              float* y, int64_t ldy);

// F32 -> stored blocks (n a multiple of the block size). Plain round-to-nearest quantizers, good
// enough for synthetic models and tests; not llama-quantize's importance-weighted search.
void quantize_row(GgmlType type, const float* src, void* dst, int64_t n);

}  // namespace moe::quant
