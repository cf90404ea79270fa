// Q4_K and Q5_0 weight rows stored 16 at a time, interleaved block by block (BlockQ4_KGroup,
// BlockQ5_0Group), so that the integer dot's lanes are rows: a decode's mat-vec then takes each
// code vector with one load, a few masks and one vpdpbusd per 64 products. The kernels keep each
// row's integer sums as the plain rows' kernels (and llama.cpp's) do: Q4_K's whole sum per
// super-block, as llama.cpp's repacked Q4_K kernels (simd_int8_kernels.h, q4_k_chains_step), and
// Q5_0's eight lanes per block, as its vec_dot; so grouped and plain rows give the same floats.
// The weights copied at load (not --mmap) are grouped in place when the kernels for them exist
// (tensor_loader.cpp); a group takes the bytes its 16 rows took, so an expert's slab and row 16g
// stay where they were.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gguf/tensor_types.h"
#include "quant/activations.h"

namespace moe::quant {

constexpr int kGroupRows = 16;

// Whether rows of `type` can be grouped and the active kernels have a grouped dot for them.
bool groups_pay(GgmlType type, int64_t rows);

// Re-lays `rows` stored rows of `cols` values in place: group g holds rows 16g..16g+15.
// rows is a multiple of kGroupRows; type Q4_K or Q5_0.
void group_rows(GgmlType type, uint8_t* data, int64_t rows, int64_t cols);
// The same from `count` stored rows at `rows` into `out` (the same bytes, not overlapping them).
void group_rows_into(GgmlType type, const uint8_t* rows, int64_t count, int64_t cols, uint8_t* out);
// `count` consecutive groups from `groups` back into 16·count stored rows at out (row r at
// out + r·stride).
void ungroup_rows(GgmlType type, const uint8_t* groups, int64_t count, int64_t cols, uint8_t* out);

// out[r − begin] = dot_row_q8(type, row r, x, n) for rows [begin, end) of a grouped matrix whose
// row 0 is at `data`, bit for bit.
void dot_grouped_rows_q8(GgmlType type, const uint8_t* data, int64_t begin, int64_t end, const QuantizedRow& x,
                         int64_t n, float* out);

}  // namespace moe::quant
