#include "quant/matmul.h"

#include <algorithm>
#include <deque>
#include <vector>

#include "parallel/thread_pool.h"
#include "quant/kernel_table.h"
#include "quant/quant.h"
#include "quant/row_groups.h"
#include "util/scratch.h"

namespace moe {
namespace {

thread_local bool exact_on_this_thread = false;

// The kernels for w's type, after checking that its rows are whole blocks.
const quant::detail::TypeKernels& kernels_for(const WeightMatrix& w) {
    (void)row_bytes(w.type, w.cols);  // throws std::invalid_argument naming the type and width
    return quant::detail::kernels_for(quant::detail::active_kernels(), w.type);
}

// The integer kernel for `type` on the fast path, or nullptr when activations stay F32.
quant::detail::DotQ8Fn integer_dot(GgmlType type) {
    if (exact_on_this_thread) return nullptr;
    return quant::detail::kernels_for(quant::detail::active_kernels(), type).dot_q8;
}

// Rows per parallel_for grain: enough bytes that handing a chunk to a thread is worth it.
// Whole groups for rows stored in groups.
int64_t row_grain(const WeightMatrix& w) {
    constexpr size_t kMinChunkBytes = 16 * 1024;
    const int64_t rows = std::max<int64_t>(1, static_cast<int64_t>(kMinChunkBytes / std::max<size_t>(1, w.row_stride)));
    return w.grouped ? (rows + quant::kGroupRows - 1) / quant::kGroupRows * quant::kGroupRows : rows;
}

// One product on the quantized path: its kernels and its activations, quantized once.
struct QuantizedProduct {
    const WeightMatrix* w;
    const quant::detail::TypeKernels* kernels;
    const quant::QuantizedActivations* x;
    int64_t n;
    float* y;
    int64_t ldy;
};

// Rows [first, first + count) of w (whole groups, when its rows are stored in groups) as plain
// stored rows: w's own bytes, or this thread's copy laid out plainly, valid until the next call.
const uint8_t* plain_rows(const WeightMatrix& w, int64_t first, int64_t count) {
    if (!w.grouped) return w.row(first);
    thread_local ScratchBuffer buffer;
    auto* plain = buffer.items<uint8_t>(static_cast<size_t>(count) * w.row_stride);
    quant::ungroup_rows(w.type, w.row(first), count / quant::kGroupRows, w.cols, plain);
    return plain;
}

// A prefill over plain rows that must round as llama.cpp's repacked GEMM (gemm_rounding) lays each
// band out in groups first: the grouped GEMM tiles ran at 413 GFLOP/s on one core, the plain ones
// at 115 (2048 × 1408, 64 tokens), and the layout (group_rows, ~10 GB/s) costs about a fifth of a
// 64-token band.
bool groups_on_the_fly(const QuantizedProduct& p) {
    return !p.w->grouped && p.w->gemm_rounding && p.w->rows % quant::kGroupRows == 0 && p.n >= quant::kTileTokens &&
           p.kernels->dot_q8_gemm_group_tile != nullptr;
}

// Rows [first, first + count) of w (plain, whole groups) laid out in groups in this thread's
// scratch, valid until the next call.
const uint8_t* grouped_rows(const WeightMatrix& w, int64_t first, int64_t count) {
    thread_local ScratchBuffer buffer;
    auto* grouped = buffer.items<uint8_t>(static_cast<size_t>(count) * w.row_stride);
    quant::group_rows_into(w.type, w.row(first), count, w.cols, grouped);
    return grouped;
}

// Rows per band: a multiple of the tile height (of a group, for rows stored in groups) whose
// weights (about 32 KiB) stay in L1 while all n activation vectors pass over them.
int64_t band_rows(const QuantizedProduct& p) {
    constexpr int64_t kBandBytes = 32 * 1024;
    const WeightMatrix& w = *p.w;
    const int64_t height = w.grouped || groups_on_the_fly(p) ? quant::kGroupRows : quant::kTileRows;
    return std::max<int64_t>(1, kBandBytes / static_cast<int64_t>(w.row_stride) / height) * height;
}

// Rows [r0, r1) of p for every token, in tiles of kTileRows rows × kTileTokens tokens, or eight
// (each weight block is unpacked once per tile's tokens, each activation block loaded once per
// four rows), or of a group's 16 rows × kTileTokens for rows stored in groups. The weights of rows
// [r1, prefetch_end) are fetched meanwhile, a slice per tile.
void run_band(const QuantizedProduct& p, int64_t r0, int64_t r1, int64_t prefetch_end) {
    using quant::kGroupRows;
    using quant::kTileRows;
    using quant::kTileTokens;
    using quant::detail::kWideTileTokens;
    const WeightMatrix& w = *p.w;
    if (groups_on_the_fly(p) || (w.grouped && !p.kernels->dot_q8_group_tile)) {  // the band laid out in groups, or plainly
        const bool into_groups = !w.grouped;
        WeightMatrix band = w;
        band.data = into_groups ? grouped_rows(w, r0, r1 - r0) : plain_rows(w, r0, r1 - r0);
        band.rows = r1 - r0;
        band.grouped = into_groups;
        QuantizedProduct band_product = p;
        band_product.w = &band;
        band_product.y = p.y + r0;
        run_band(band_product, 0, band.rows, band.rows);
        return;
    }
    const int64_t height = w.grouped ? kGroupRows : kTileRows;
    const uint8_t* next = w.row(r1);
    const int64_t next_bytes = (prefetch_end - r1) * static_cast<int64_t>(w.row_stride);
    const int64_t bytes_per_token = next_bytes / std::max<int64_t>(1, p.n) + 1;
    int64_t i = 0;
    // four whole tokens as llama.cpp's GEMM takes them, for a weight it would repack (null: none)
    const quant::detail::DotQ8TileFn gemm_tile =
        !w.gemm_rounding ? nullptr : w.grouped ? p.kernels->dot_q8_gemm_group_tile : p.kernels->dot_q8_gemm_tile;
    for (int64_t step = kTileTokens; i + kTileTokens <= p.n; i += step) {
        // eight tokens per tile where the type has such a tile: each weight block decoded once for both fours
        const bool wide = !w.grouped && !gemm_tile && p.kernels->dot_q8_wide_tile && i + kWideTileTokens <= p.n;
        step = wide ? kWideTileTokens : kTileTokens;
        for (int64_t at = i * bytes_per_token / 64 * 64; at < std::min(next_bytes, (i + step) * bytes_per_token); at += 64)
            __builtin_prefetch(next + at, 0, 2);
        quant::QuantizedRow tokens[kWideTileTokens];
        for (int t = 0; t < step; ++t) tokens[t] = p.x->row(i + t);
        const quant::detail::DotQ8TileFn tile =
            gemm_tile ? gemm_tile
                      : w.grouped ? p.kernels->dot_q8_group_tile : wide ? p.kernels->dot_q8_wide_tile : p.kernels->dot_q8_tile;
        int64_t r = r0;
        for (; r + height <= r1; r += height) tile(w.row(r), w.row_stride, tokens, w.cols, p.y + i * p.ldy + r, p.ldy);
        for (; r < r1; ++r) {
            for (int first = 0; first < step; first += kTileTokens) {
                float out[kTileTokens];
                p.kernels->dot_q8_x4(w.row(r), tokens + first, w.cols, out);
                for (int t = 0; t < kTileTokens; ++t) p.y[(i + first + t) * p.ldy + r] = out[t];
            }
        }
    }
    const int64_t left = p.n - i;
    if (left >= 2) {
        // The last two or three tokens still go through tiles, the last one repeated in the spare
        // slots, via a small buffer: a tile costs about what four one-token dots cost (an expert
        // sees ~20 tokens of a prefill, so its 1-3 leftover tokens were ~6 % of the MACs at a
        // quarter of the tile's rate).
        quant::QuantizedRow tokens[kTileTokens];
        for (int t = 0; t < kTileTokens; ++t) tokens[t] = p.x->row(i + std::min<int64_t>(t, left - 1));
        const quant::detail::DotQ8TileFn tile = w.grouped ? p.kernels->dot_q8_group_tile : p.kernels->dot_q8_tile;
        float out[kTileTokens * kGroupRows];
        int64_t r = r0;
        for (; r + height <= r1; r += height) {
            tile(w.row(r), w.row_stride, tokens, w.cols, out, height);
            for (int64_t t = 0; t < left; ++t)
                for (int64_t k = 0; k < height; ++k) p.y[(i + t) * p.ldy + r + k] = out[t * height + k];
        }
        for (; r < r1; ++r) {
            p.kernels->dot_q8_x4(w.row(r), tokens, w.cols, out);
            for (int64_t t = 0; t < left; ++t) p.y[(i + t) * p.ldy + r] = out[t];
        }
        return;
    }
    for (; i < p.n; ++i) {
        const quant::QuantizedRow xi = p.x->row(i);
        if (w.grouped) {
            quant::dot_grouped_rows_q8(w.type, w.data, r0, r1, xi, w.cols, p.y + i * p.ldy + r0);
            continue;
        }
        for (int64_t r = r0; r < r1; ++r) p.y[i * p.ldy + r] = p.kernels->dot_q8(w.row(r), xi, w.cols);
    }
}

// Every band of every product in one parallel loop, chunks cut by weight bytes × tokens.
void run_products(const std::vector<QuantizedProduct>& products, ThreadPool& pool) {
    struct Band {
        const QuantizedProduct* product;
        int64_t r0, r1;
    };
    thread_local std::vector<Band> bands;
    thread_local std::vector<int64_t> cost_before;  // prefix sums over bands
    bands.clear();
    cost_before.assign(1, 0);
    for (const QuantizedProduct& p : products) {
        const int64_t rows = band_rows(p);
        for (int64_t r0 = 0; r0 < p.w->rows; r0 += rows) {
            const int64_t r1 = std::min(p.w->rows, r0 + rows);
            bands.push_back({&p, r0, r1});
            cost_before.push_back(cost_before.back() + (r1 - r0) * static_cast<int64_t>(p.w->row_stride) * p.n);
        }
    }
    const std::vector<Band>& all = bands;
    const std::vector<int64_t>& costs = cost_before;
    pool.parallel_for_weighted(static_cast<int64_t>(all.size()), [&costs](int64_t b) { return costs[b]; },
                               [&all](int64_t begin, int64_t end, int) {
        for (int64_t b = begin; b < end; ++b) {
            const Band& band = all[b];
            const bool next_is_mine = b + 1 < end && all[b + 1].product == band.product;
            run_band(*band.product, band.r0, band.r1, next_is_mine ? all[b + 1].r1 : band.r1);
        }
    });
}

// One product's activations to quantize.
struct Quantization {
    quant::QuantizedActivations* into;
    quant::ActivationFormat format;
    const float* x;
    int64_t ldx, n, cols;
};

// Every product's activations in one parallel loop over their rows: on the calling thread alone
// they took about a tenth of a two-thread prefill while the other thread waited.
void quantize_all(const std::vector<Quantization>& all, ThreadPool& pool) {
    std::vector<int64_t> first_row(all.size() + 1, 0);  // prefix sums
    for (size_t k = 0; k < all.size(); ++k) {
        all[k].into->reserve(all[k].format, all[k].n, all[k].cols);
        first_row[k + 1] = first_row[k] + all[k].n;
    }
    pool.parallel_for(first_row.back(), [&](int64_t begin, int64_t end, int) {
        auto k = static_cast<size_t>(std::upper_bound(first_row.begin(), first_row.end(), begin) - first_row.begin() - 1);
        for (int64_t row = begin; row < end; ++k) {
            const int64_t stop = std::min(end, first_row[k + 1]);
            all[k].into->quantize_rows(all[k].x, all[k].ldx, row - first_row[k], stop - first_row[k]);
            row = stop;
        }
    }, 4);
}

}  // namespace

ExactActivations::ExactActivations(bool exact) : previous_(exact_on_this_thread) { exact_on_this_thread = exact; }
ExactActivations::~ExactActivations() { exact_on_this_thread = previous_; }
bool exact_activations() { return exact_on_this_thread; }

RowDot::RowDot(GgmlType type, const float* x, int64_t cols)
    : type_(type), x_(x), format_(quant::activation_format(type)),
      dot_(quant::detail::kernels_for(quant::detail::active_kernels(), type).dot), dot_q8_(integer_dot(type)) {
    if (dot_q8_) {
        auto quantized = std::make_shared<Quantized>();
        quantized->q.resize(static_cast<size_t>(cols));
        quantized->d.resize(static_cast<size_t>(cols / quant::activation_block(format_)));
        quantized->sums.resize(static_cast<size_t>(cols / 16));
        quant::quantize_activations(format_, x, 1, cols, cols, quantized->q.data(), quantized->d.data(),
                                    quantized->sums.data());
        quantized->row = {quantized->q.data(), quantized->d.data(), quantized->sums.data()};
        quantized_ = std::move(quantized);
    }
}

RowDot::RowDot(GgmlType type, const RowDot& other) : RowDot(other) {
    type_ = type;
    dot_ = quant::detail::kernels_for(quant::detail::active_kernels(), type).dot;
    dot_q8_ = integer_dot(type);
}

void RowDot::rows(const WeightMatrix& w, int64_t begin, int64_t end, float* y) const {
    if (dot_q8_ && w.grouped) {
        quant::dot_grouped_rows_q8(type_, w.data, begin, end, quantized_->row, w.cols, y);
    } else if (dot_q8_) {
        quant::dot_rows_q8(type_, w.row(begin), w.row_stride, end - begin, quantized_->row, w.cols, y);
    } else if (w.grouped) {  // exact: each group's rows laid out plainly first
        for (int64_t r = begin; r < end;) {
            const int64_t first = r / quant::kGroupRows * quant::kGroupRows;
            const int64_t stop = std::min(end, first + quant::kGroupRows);
            const uint8_t* plain = plain_rows(w, first, quant::kGroupRows);
            for (; r < stop; ++r) y[r - begin] = dot_(plain + (r - first) * w.row_stride, x_, w.cols);
        }
    } else {
        for (int64_t r = begin; r < end; ++r) y[r - begin] = dot_(w.row(r), x_, w.cols);
    }
}

bool RowDot::can_share(GgmlType type, const float* x) const {
    return x == x_ && quant::activation_format(type) == format_ && (integer_dot(type) != nullptr) == (dot_q8_ != nullptr);
}

void matvec(const WeightMatrix& w, const float* x, float* y, ThreadPool& pool) {
    (void)kernels_for(w);  // checks the row width
    const RowDot dot(w.type, x, w.cols);
    // The chunk lambda captures one reference, so its std::function needs no heap allocation.
    const struct {
        const WeightMatrix& w;
        const RowDot& dot;
        float* y;
    } job{w, dot, y};
    // Chunks are contiguous bands of rows: sequential streams through memory.
    pool.parallel_for(w.rows, [&job](int64_t begin, int64_t end, int) {
        job.dot.rows(job.w, begin, end, job.y + begin);
    }, row_grain(w));
}

void matmul(const WeightMatrix& w, const float* x, int64_t ldx, int64_t n, float* y, int64_t ldy,
            ThreadPool& pool) {
    if (n <= 0) return;
    if (n == 1) {
        matvec(w, x, y, pool);
        return;
    }
    const quant::detail::TypeKernels& kernels = kernels_for(w);
    if (integer_dot(w.type)) {
        thread_local quant::QuantizedActivations quantized;
        quantize_all({{&quantized, quant::activation_format(w.type), x, ldx, n, w.cols}}, pool);
        run_products({{&w, &kernels, &quantized, n, y, ldy}}, pool);
        return;
    }
    // Expanded rows per tile: about 128 KiB of F32, which stays in L2 while every activation
    // passes over it, so each stored row is decoded once per call.
    constexpr int64_t kTileFloats = 32 * 1024;
    const int64_t tile_height = w.grouped ? quant::kGroupRows : 4;  // whole groups for rows stored in groups
    const struct {
        const WeightMatrix& w;
        quant::detail::DequantizeFn dequantize;
        quant::detail::GemmFn gemm;
        const float* x;
        int64_t ldx, n;
        float* y;
        int64_t ldy, tile_rows;
        bool plain_f32;  // rows can be used in place
    } job{w, kernels.dequantize, quant::detail::active_kernels().gemm_f32, x, ldx, n, y, ldy,
          tile_height * std::clamp<int64_t>(kTileFloats / std::max<int64_t>(1, w.cols) / tile_height, 1, 256 / tile_height),
          w.type == GgmlType::F32 && w.row_stride == static_cast<size_t>(w.cols) * sizeof(float)};

    pool.parallel_for(w.rows, [&job](int64_t begin, int64_t end, int) {
        thread_local std::vector<float> scratch;  // (tile_rows, cols), reused across calls
        const WeightMatrix& w = job.w;
        for (int64_t r0 = begin; r0 < end; r0 += job.tile_rows) {
            const int64_t rows = std::min(job.tile_rows, end - r0);
            const float* tile = reinterpret_cast<const float*>(w.row(r0));
            if (!job.plain_f32) {
                scratch.resize(static_cast<size_t>(job.tile_rows * w.cols));
                const uint8_t* stored = plain_rows(w, r0, rows);
                for (int64_t r = 0; r < rows; ++r) job.dequantize(stored + r * w.row_stride, scratch.data() + r * w.cols, w.cols);
                tile = scratch.data();
            }
            job.gemm(tile, w.cols, rows, w.cols, job.x, job.ldx, job.n, job.y + r0, job.ldy);
        }
    }, job.tile_rows);
}

void matmul_batch(const std::vector<MatmulJob>& jobs, ThreadPool& pool) {
    thread_local std::deque<quant::QuantizedActivations> quantized;  // kept across calls; never moved
    std::vector<QuantizedProduct> products;
    products.reserve(jobs.size());
    std::vector<Quantization> quantizations;
    size_t used = 0;
    const MatmulJob* previous = nullptr;  // the last job quantized
    for (const MatmulJob& job : jobs) {
        if (job.n <= 0) continue;
        const quant::detail::TypeKernels& kernels = kernels_for(job.w);
        if (!integer_dot(job.w.type)) {
            matmul(job.w, job.x, job.ldx, job.n, job.y, job.ldy, pool);
            continue;
        }
        const quant::ActivationFormat format = quant::activation_format(job.w.type);
        const bool shared = previous && previous->x == job.x && previous->ldx == job.ldx && previous->n == job.n &&
                            previous->w.cols == job.w.cols && quant::activation_format(previous->w.type) == format;
        if (!shared) {
            if (used == quantized.size()) quantized.emplace_back();
            quantizations.push_back({&quantized[used++], format, job.x, job.ldx, job.n, job.w.cols});
            previous = &job;
        }
        products.push_back({&job.w, &kernels, &quantized[used - 1], job.n, job.y, job.ldy});
    }
    quantize_all(quantizations, pool);
    run_products(products, pool);
}

}  // namespace moe
