// Internal: the per-instruction-set kernel tables that quant.cpp dispatches through.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gguf/tensor_types.h"
#include "quant/activations.h"
#include "quant/quant.h"

namespace moe::quant::detail {

// Software prefetch of weight rows, 8 KiB ahead into L2 (simd_kernels.h's prefetch_ahead; the
// bandwidth probe reads with it too). The hardware prefetcher alone left a single-token matvec at
// about half the achievable bandwidth on the first dev VM; prefetching roughly doubled it, and
// the L2 hint (T1) beat L1 (T0) by another ~10% (it does not tie up L1 fill buffers). The
// distance should cover the memory's latency at one core's streaming rate (~120 ns × ~30 GB/s ≈
// 3.6 KB, more under load): on the Zen 5 VM, 4 KiB read 10–20 % more per core than 2 KiB (Q8_0,
// Q6_K mat-vecs from DRAM); once the Q4_K rows kernel had left the compute behind, a decode ran
// 1–16 % faster with 8 KiB than with 4 (Q4_K_M and Q8_0 cuts, 10 alternating pairs), and 16 KiB
// no faster than 8.
constexpr uintptr_t kPrefetchDistance = 8192;

// n values of one stored row (n a multiple of the block size).
using DequantizeFn = void (*)(const void* src, float* dst, int64_t n);
using DotFn = float (*)(const void* row, const float* x, int64_t n);
// Σ_i row[i]·x̂[i] with x̂ the quantized activation (activation_format(type) of the row's type).
using DotQ8Fn = float (*)(const void* row, const QuantizedRow& x, int64_t n);
// Rows [0, rows) of a matrix (row r at w + r·stride) against one activation: y[r]. Optional: a
// decode's mat-vec takes it where a kernel prepares the activation once for many rows.
using DotQ8RowsFn = void (*)(const uint8_t* w, size_t stride, int64_t rows, const QuantizedRow& x, int64_t n, float* y);
// The same for four activation vectors x[0..3] at once (out[t] for x[t]): the prefill GEMM's unit.
using DotQ8x4Fn = void (*)(const void* row, const QuantizedRow* x, int64_t n, float* out);

// One tile of the prefill GEMM (quant.h's dot_tile_q8): kTileRows stored rows times kTileTokens
// activation vectors. Each weight load serves every token of the tile and each activation load every row.
// Row r's sum with token t goes to out[t·ldy + r]: straight into the product's output, as single
// floats (copying a tile out of a buffer as vectors stalled on store forwarding).
using DotQ8TileFn = void (*)(const uint8_t* w, size_t stride, const QuantizedRow* x, int64_t n, float* out, int64_t ldy);
// The same with kWideTileTokens activation vectors: rounds each (row, token) as the tile does.
constexpr int kWideTileTokens = 8;

// Whole groups of a matrix stored in row groups (row_groups.h; group g at w + 16g·stride) against
// one activation: y[16g + r] for row r of group g, each as the plain rows' kernel rounds it.
using DotQ8GroupsFn = void (*)(const uint8_t* w, size_t stride, int64_t groups, const QuantizedRow& x, int64_t n, float* y);

// One group of 16 rows back to plain rows (row_groups.h's ungroup_rows).
using UngroupFn = void (*)(const uint8_t* group, int64_t cols, uint8_t* out);

// y[i·ldy + r] = Σ_k w[r·ldw + k] · x[i·ldx + k] for r < n_rows, i < n.
// w: (n_rows, cols) with row stride ldw; x: (n, cols) with row stride ldx; y: (n, ldy).
using GemmFn = void (*)(const float* w, int64_t ldw, int64_t n_rows, int64_t cols, const float* x, int64_t ldx,
                        int64_t n, float* y, int64_t ldy);

// Quantizes n_rows activation vectors for the integer dots (activations.h's quantize_activations,
// one format).
using QuantizeActivationsFn = void (*)(const float* x, int64_t n_rows, int64_t cols, int64_t ldx, int8_t* q,
                                       float* d, int16_t* sums);

struct TypeKernels {
    DequantizeFn dequantize = nullptr;
    DotFn dot = nullptr;
    DotQ8Fn dot_q8 = nullptr;  // set for the types whose activation_format is not F32
    DotQ8x4Fn dot_q8_x4 = nullptr;
    DotQ8TileFn dot_q8_tile = nullptr;  // set with dot_q8
    DotQ8TileFn dot_q8_wide_tile = nullptr;  // kWideTileTokens tokens, where a kernel has them
    DotQ8RowsFn dot_q8_rows = nullptr;  // where a kernel has one; else dot_q8 row by row
    // Rows stored in groups (row_groups.h), where a kernel has them: whole groups against one
    // activation, and one group's 16 rows × kTileTokens activations (out[t·ldy + r]).
    DotQ8GroupsFn dot_q8_groups = nullptr;
    DotQ8TileFn dot_q8_group_tile = nullptr;
    UngroupFn ungroup = nullptr;  // row_groups.h's ungroup_rows, where a kernel does it faster
    // Tiles of a weight with WeightMatrix::gemm_rounding, plain and in groups: float chains stepped
    // per pair of sub-blocks (llama.cpp's repacked Q4_K GEMM). Without them such tiles take the
    // kernels above.
    DotQ8TileFn dot_q8_gemm_tile = nullptr;
    DotQ8TileFn dot_q8_gemm_group_tile = nullptr;
};

// A tile from kTileRows calls of a four-token kernel (for types without a tile kernel of their own).
template <DotQ8x4Fn kFour>
void tile_of_rows(const uint8_t* w, size_t stride, const QuantizedRow* x, int64_t n, float* out, int64_t ldy) {
    static_assert(kTileTokens == 4);
    for (int r = 0; r < kTileRows; ++r) {
        float four[kTileTokens];
        kFour(w + r * stride, x, n, four);
        for (int t = 0; t < kTileTokens; ++t) out[t * ldy + r] = four[t];
    }
}

struct Int8Kernels {
    DotQ8Fn dot;
    DotQ8x4Fn dot_x4;
    DotQ8TileFn tile;
};

constexpr uint32_t kTypeSlots = 40;  // ggml type ids 0..39 (MXFP4 is the largest we support)

struct KernelTable {
    const char* isa = "";
    TypeKernels types[kTypeSlots];
    GemmFn gemm_f32 = nullptr;
    QuantizeActivationsFn quantize_q8_32 = nullptr, quantize_q8_256 = nullptr;
};

// The scalar activation quantizers (activations.cpp): the reference table's.
void quantize_q8_32_reference(const float* x, int64_t n_rows, int64_t cols, int64_t ldx, int8_t* q, float* d,
                              int16_t* sums);
void quantize_q8_256_reference(const float* x, int64_t n_rows, int64_t cols, int64_t ldx, int8_t* q, float* d,
                               int16_t* sums);

// Puts the 512-bit VNNI kernels (int8_avx512.cpp: the prefill tiles, the Q4_0, Q5_0, Q8_0, Q4_K
// and Q6_K one-row dots of a decode, and its Q4_K rows kernel) into an AVX-512 table.
void add_avx512_int8_kernels(KernelTable& table);
// And the kernels for rows stored in groups (grouped_q4_k_avx512.cpp, grouped_q5_0_avx512.cpp).
void add_avx512_grouped_q4_k_kernels(KernelTable& table);
void add_avx512_grouped_q5_0_kernels(KernelTable& table);

// Plain scalar code written from the block formulas; also the portable fallback.
const KernelTable& reference_kernels();
// nullptr when this build has no kernels for that instruction set.
const KernelTable* avx2_kernels();
const KernelTable* avx512_kernels();

// The table the public entry points use (picked on first use, changed by force_isa).
const KernelTable& active_kernels();

// table's kernels for `type`; throws std::invalid_argument for a type without kernels.
const TypeKernels& kernels_for(const KernelTable& table, GgmlType type);

}  // namespace moe::quant::detail
