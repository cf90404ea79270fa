#include "quant/row_groups.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "quant/block_formats.h"
#include "quant/kernel_table.h"
#include "quant/quant.h"
#include "util/scratch.h"

namespace moe::quant {

namespace {

void check_q4_k(GgmlType type) {
    if (type != GgmlType::Q4_K) throw std::invalid_argument("only q4_K rows are stored in groups, not " + type_name(type));
}

// Super-block `block` of the 16 rows at `rows` (row r at rows + r·stride) as one group block.
void group_block(const uint8_t* rows, size_t stride, int64_t block, BlockQ4_KGroup& out) {
    for (int r = 0; r < kGroupRows; ++r) {
        const auto& b = reinterpret_cast<const BlockQ4_K*>(rows + r * stride)[block];
        out.d[r] = b.d;
        out.dmin[r] = b.dmin;
        for (int j = 0; j < 4; ++j) {
            int scale_low = 0, min_low = 0, scale_high = 0, min_high = 0;
            k_scale_min(b.scales, j, scale_low, min_low);
            k_scale_min(b.scales, 4 + j, scale_high, min_high);
            out.scales[0][r][j] = static_cast<uint8_t>(scale_low | (min_high & 3) << 6);
            out.scales[1][r][j] = static_cast<uint8_t>(scale_high | (min_high >> 2 & 3) << 6);
            out.scales[2][r][j] = static_cast<uint8_t>(min_low | (min_high >> 4) << 6);
        }
        for (int c = 0; c < 4; ++c)
            for (int k = 0; k < 8; ++k) std::memcpy(out.qs[c][k][r], b.qs + 32 * c + 4 * k, 4);
    }
}

// The inverse: row r's block from the group block.
void ungroup_block(const BlockQ4_KGroup& in, int r, BlockQ4_K& b) {
    b.d = in.d[r];
    b.dmin = in.dmin[r];
    std::memset(b.scales, 0, sizeof b.scales);
    for (int j = 0; j < 4; ++j) {  // k_scale_min's packing, written back
        const int scale_low = in.scales[0][r][j] & 63, scale_high = in.scales[1][r][j] & 63;
        const int min_low = in.scales[2][r][j] & 63;
        const int min_high = in.scales[0][r][j] >> 6 | (in.scales[1][r][j] >> 6) << 2 | (in.scales[2][r][j] >> 6) << 4;
        b.scales[j] = static_cast<uint8_t>(scale_low | (scale_high >> 4) << 6);
        b.scales[j + 4] = static_cast<uint8_t>(min_low | (min_high >> 4) << 6);
        b.scales[j + 8] = static_cast<uint8_t>((scale_high & 0xF) | (min_high & 0xF) << 4);
    }
    for (int c = 0; c < 4; ++c)
        for (int k = 0; k < 8; ++k) std::memcpy(b.qs + 32 * c + 4 * k, in.qs[c][k][r], 4);
}

}  // namespace

bool groups_pay(GgmlType type, int64_t rows) {
    return type == GgmlType::Q4_K && rows % kGroupRows == 0 &&
           detail::kernels_for(detail::active_kernels(), type).dot_q8_groups != nullptr;
}

void group_rows(GgmlType type, uint8_t* data, int64_t rows, int64_t cols) {
    check_q4_k(type);
    if (rows % kGroupRows != 0) throw std::invalid_argument("grouped rows come in groups of 16");
    const size_t stride = row_bytes(type, cols);
    const int64_t blocks = cols / kQKK;
    std::vector<uint8_t> plain(kGroupRows * stride);
    for (int64_t g = 0; g < rows / kGroupRows; ++g) {
        uint8_t* group = data + g * kGroupRows * stride;
        std::memcpy(plain.data(), group, plain.size());
        auto* out = reinterpret_cast<BlockQ4_KGroup*>(group);
        for (int64_t i = 0; i < blocks; ++i) group_block(plain.data(), stride, i, out[i]);
    }
}

void ungroup_rows(GgmlType type, const uint8_t* groups, int64_t count, int64_t cols, uint8_t* out) {
    check_q4_k(type);
    const size_t group_bytes = kGroupRows * row_bytes(type, cols);
    const detail::UngroupFn fast = detail::kernels_for(detail::active_kernels(), type).ungroup;
    for (int64_t g = 0; g < count; ++g) {
        const uint8_t* group = groups + g * group_bytes;
        uint8_t* rows = out + g * group_bytes;
        if (fast) {
            fast(group, cols, rows);
            continue;
        }
        const size_t stride = group_bytes / kGroupRows;
        const auto* in = reinterpret_cast<const BlockQ4_KGroup*>(group);
        for (int64_t i = 0; i < cols / kQKK; ++i)
            for (int r = 0; r < kGroupRows; ++r) ungroup_block(in[i], r, reinterpret_cast<BlockQ4_K*>(rows + r * stride)[i]);
    }
}

void dot_grouped_rows_q8(GgmlType type, const uint8_t* data, int64_t begin, int64_t end, const QuantizedRow& x,
                         int64_t n, float* out) {
    const size_t stride = row_bytes(type, n);
    const size_t group_bytes = kGroupRows * stride;
    const detail::DotQ8GroupsFn groups = detail::kernels_for(detail::active_kernels(), type).dot_q8_groups;
    thread_local ScratchBuffer plain_buffer;
    float partial[kGroupRows];
    for (int64_t r = begin; r < end;) {
        const int64_t g = r / kGroupRows, first = g * kGroupRows;
        const int64_t stop = std::min(end, first + kGroupRows);
        const uint8_t* group = data + g * group_bytes;
        if (groups && r == first && stop - first == kGroupRows) {  // whole groups straight into out
            const int64_t whole = (end - r) / kGroupRows;
            groups(group, stride, whole, x, n, out + (r - begin));
            r += whole * kGroupRows;
            continue;
        }
        if (groups) {
            groups(group, stride, 1, x, n, partial);
        } else {  // an instruction set without grouped kernels: the plain rows' kernels
            auto* plain = plain_buffer.items<uint8_t>(group_bytes);
            ungroup_rows(type, group, 1, n, plain);
            dot_rows_q8(type, plain, stride, kGroupRows, x, n, partial);
        }
        std::copy(partial + (r - first), partial + (stop - first), out + (r - begin));
        r = stop;
    }
}

}  // namespace moe::quant
