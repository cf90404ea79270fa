#include "quant/matmul.h"

#include <algorithm>
#include <vector>

#include "parallel/thread_pool.h"
#include "quant/kernel_table.h"
#include "quant/quant.h"

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
int64_t row_grain(const WeightMatrix& w) {
    constexpr size_t kMinChunkBytes = 16 * 1024;
    return std::max<int64_t>(1, static_cast<int64_t>(kMinChunkBytes / std::max<size_t>(1, w.row_stride)));
}

// Quantized activations: each band of rows small enough to stay in L1 while all n activation
// vectors pass over it in tiles of kTileRows rows × kTileTokens tokens (each weight block is
// unpacked once per four tokens, each activation block loaded once per four rows).
void matmul_quantized(const WeightMatrix& w, const quant::detail::TypeKernels& kernels, const float* x, int64_t ldx,
                      int64_t n, float* y, int64_t ldy, ThreadPool& pool) {
    using quant::kTileRows;
    using quant::kTileTokens;
    thread_local quant::QuantizedActivations quantized;
    quantized.quantize(quant::activation_format(w.type), x, n, w.cols, ldx);
    const int64_t band_bytes = 32 * 1024;
    const int64_t band = std::max<int64_t>(1, band_bytes / static_cast<int64_t>(w.row_stride) / kTileRows) * kTileRows;
    const struct {
        const WeightMatrix& w;
        const quant::detail::TypeKernels& kernels;
        const quant::QuantizedActivations& x;
        int64_t n;
        float* y;
        int64_t ldy, band;
    } job{w, kernels, quantized, n, y, ldy, band};
    pool.parallel_for(w.rows, [&job](int64_t begin, int64_t end, int) {
        const WeightMatrix& w = job.w;
        for (int64_t r0 = begin; r0 < end; r0 += job.band) {
            const int64_t r1 = std::min(end, r0 + job.band);
            int64_t i = 0;
            for (; i + kTileTokens <= job.n; i += kTileTokens) {
                quant::QuantizedRow tokens[kTileTokens];
                for (int t = 0; t < kTileTokens; ++t) tokens[t] = job.x.row(i + t);
                int64_t r = r0;
                for (; r + kTileRows <= r1; r += kTileRows) {
                    float out[kTileRows * kTileTokens];
                    job.kernels.dot_q8_tile(w.row(r), w.row_stride, tokens, w.cols, out);
                    for (int t = 0; t < kTileTokens; ++t)
                        std::copy_n(out + t * kTileRows, kTileRows, job.y + (i + t) * job.ldy + r);
                }
                for (; r < r1; ++r) {
                    float out[kTileTokens];
                    job.kernels.dot_q8_x4(w.row(r), tokens, w.cols, out);
                    for (int t = 0; t < kTileTokens; ++t) job.y[(i + t) * job.ldy + r] = out[t];
                }
            }
            for (; i < job.n; ++i) {
                const quant::QuantizedRow xi = job.x.row(i);
                for (int64_t r = r0; r < r1; ++r) job.y[i * job.ldy + r] = job.kernels.dot_q8(w.row(r), xi, w.cols);
            }
        }
    }, band);
}

}  // namespace

ExactActivations::ExactActivations(bool exact) : previous_(exact_on_this_thread) { exact_on_this_thread = exact; }
ExactActivations::~ExactActivations() { exact_on_this_thread = previous_; }
bool exact_activations() { return exact_on_this_thread; }

RowDot::RowDot(GgmlType type, const float* x, int64_t cols)
    : x_(x), format_(quant::activation_format(type)), dot_(quant::detail::kernels_for(quant::detail::active_kernels(), type).dot),
      dot_q8_(integer_dot(type)) {
    if (dot_q8_) {
        auto quantized = std::make_shared<quant::QuantizedActivations>();
        quantized->quantize(format_, x, 1, cols, cols);
        quantized_ = std::move(quantized);
    }
}

RowDot::RowDot(GgmlType type, const RowDot& other) : RowDot(other) {
    dot_ = quant::detail::kernels_for(quant::detail::active_kernels(), type).dot;
    dot_q8_ = integer_dot(type);
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
        for (int64_t r = begin; r < end; ++r) job.y[r] = job.dot(job.w.row(r), job.w.cols);
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
        matmul_quantized(w, kernels, x, ldx, n, y, ldy, pool);
        return;
    }
    // Expanded rows per tile: about 128 KiB of F32, which stays in L2 while every activation
    // passes over it, so each stored row is decoded once per call.
    constexpr int64_t kTileFloats = 32 * 1024;
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
          std::clamp<int64_t>(kTileFloats / std::max<int64_t>(1, w.cols), 4, 256) / 4 * 4,
          w.type == GgmlType::F32 && w.row_stride == static_cast<size_t>(w.cols) * sizeof(float)};

    pool.parallel_for(w.rows, [&job](int64_t begin, int64_t end, int) {
        thread_local std::vector<float> scratch;  // (tile_rows, cols), reused across calls
        const WeightMatrix& w = job.w;
        for (int64_t r0 = begin; r0 < end; r0 += job.tile_rows) {
            const int64_t rows = std::min(job.tile_rows, end - r0);
            const float* tile = reinterpret_cast<const float*>(w.row(r0));
            if (!job.plain_f32) {
                scratch.resize(static_cast<size_t>(job.tile_rows * w.cols));
                for (int64_t r = 0; r < rows; ++r) job.dequantize(w.row(r0 + r), scratch.data() + r * w.cols, w.cols);
                tile = scratch.data();
            }
            job.gemm(tile, rows, w.cols, job.x, job.ldx, job.n, job.y + r0, job.ldy);
        }
    }, job.tile_rows);
}

}  // namespace moe
