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

bool has_group_layout(GgmlType type) { return type == GgmlType::Q4_K || type == GgmlType::Q5_0; }

void check_type(GgmlType type) {
    if (!has_group_layout(type))
        throw std::invalid_argument("only q4_K and q5_0 rows are stored in groups, not " + type_name(type));
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

void group_block(const uint8_t* rows, size_t stride, int64_t block, BlockQ5_0Group& out) {
    uint64_t masks[8] = {};
    for (int r = 0; r < kGroupRows; ++r) {
        const auto& b = reinterpret_cast<const BlockQ5_0*>(rows + r * stride)[block];
        out.d[r] = b.d;
        for (int j = 0; j < 4; ++j) std::memcpy(out.qs[j][r], b.qs + 4 * j, 4);
        const uint32_t qh = load_qh32(b.qh);
        for (int j = 0; j < 8; ++j) masks[j] |= uint64_t{qh >> (4 * j) & 0xF} << (4 * r);
    }
    std::memcpy(out.fifth_bits, masks, sizeof masks);
}

void ungroup_block(const BlockQ5_0Group& in, int r, BlockQ5_0& b) {
    b.d = in.d[r];
    for (int j = 0; j < 4; ++j) std::memcpy(b.qs + 4 * j, in.qs[j][r], 4);
    uint32_t qh = 0;
    for (int j = 0; j < 8; ++j) qh |= static_cast<uint32_t>(load_fifth_bits(in, j) >> (4 * r) & 0xF) << (4 * j);
    for (int k = 0; k < 4; ++k) b.qh[k] = static_cast<uint8_t>(qh >> (8 * k));
}

// One group from its 16 rows (row r at rows + r·stride) into `group`, which must not overlap them.
template <class Block, class Group>
void group_one(const uint8_t* rows, size_t stride, uint8_t* group) {
    auto* out = reinterpret_cast<Group*>(group);
    for (size_t i = 0; i < stride / sizeof(Block); ++i) group_block(rows, stride, static_cast<int64_t>(i), out[i]);
}

// One group back to its 16 rows, row r at rows + r·stride.
template <class Block, class Group>
void ungroup_one(const uint8_t* group, size_t stride, uint8_t* rows) {
    const auto* in = reinterpret_cast<const Group*>(group);
    for (size_t i = 0; i < stride / sizeof(Block); ++i)
        for (int r = 0; r < kGroupRows; ++r) ungroup_block(in[i], r, reinterpret_cast<Block*>(rows + r * stride)[i]);
}

}  // namespace

bool groups_pay(GgmlType type, int64_t rows) {
    return has_group_layout(type) && rows % kGroupRows == 0 &&
           detail::kernels_for(detail::active_kernels(), type).dot_q8_groups != nullptr;
}

void group_rows_into(GgmlType type, const uint8_t* rows, int64_t count, int64_t cols, uint8_t* out) {
    check_type(type);
    if (count % kGroupRows != 0) throw std::invalid_argument("grouped rows come in groups of 16");
    const size_t stride = row_bytes(type, cols), group_bytes = kGroupRows * stride;
    for (int64_t g = 0; g < count / kGroupRows; ++g) {
        if (type == GgmlType::Q4_K)
            group_one<BlockQ4_K, BlockQ4_KGroup>(rows + g * group_bytes, stride, out + g * group_bytes);
        else
            group_one<BlockQ5_0, BlockQ5_0Group>(rows + g * group_bytes, stride, out + g * group_bytes);
    }
}

void group_rows(GgmlType type, uint8_t* data, int64_t rows, int64_t cols) {
    check_type(type);
    if (rows % kGroupRows != 0) throw std::invalid_argument("grouped rows come in groups of 16");
    const size_t group_bytes = kGroupRows * row_bytes(type, cols);
    std::vector<uint8_t> plain(group_bytes);  // each group's rows, read while the group is written over them
    for (int64_t g = 0; g < rows / kGroupRows; ++g) {
        uint8_t* group = data + g * group_bytes;
        std::memcpy(plain.data(), group, group_bytes);
        group_rows_into(type, plain.data(), kGroupRows, cols, group);
    }
}

void ungroup_rows(GgmlType type, const uint8_t* groups, int64_t count, int64_t cols, uint8_t* out) {
    check_type(type);
    const size_t stride = row_bytes(type, cols), group_bytes = kGroupRows * stride;
    const detail::UngroupFn fast = detail::kernels_for(detail::active_kernels(), type).ungroup;
    for (int64_t g = 0; g < count; ++g) {
        const uint8_t* group = groups + g * group_bytes;
        uint8_t* rows = out + g * group_bytes;
        if (fast)
            fast(group, cols, rows);
        else if (type == GgmlType::Q4_K)
            ungroup_one<BlockQ4_K, BlockQ4_KGroup>(group, stride, rows);
        else
            ungroup_one<BlockQ5_0, BlockQ5_0Group>(group, stride, rows);
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
