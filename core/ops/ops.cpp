#include "ops/ops.h"

#include "ops/vector_kernels.h"

#include <algorithm>
#include <cmath>

namespace moe::ops {

void rms_norm(const float* x, const float* gain, float* y, int64_t n, float eps) {
    // The squares summed in double (a wide row's sum loses digits in float) in eight lanes, lane
    // k taking x[k], x[k + 8], ... and the lanes added in a fixed order: eight short chains of
    // adds rather than one of n, which held a decode's caller 2.8 µs per norm (now 1.5) while the
    // workers waited. The products are exact in double, so only the order of the adds moved.
    constexpr int kLanes = 8;
    double lanes[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (int k = 0; k < kLanes; ++k) lanes[k] += static_cast<double>(x[i + k]) * x[i + k];
    for (int k = 0; i < n; ++i, ++k) lanes[k] += static_cast<double>(x[i]) * x[i];
    const double sum = ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
    const float scale = 1.0f / std::sqrt(static_cast<float>(sum / n) + eps);
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * gain[i];
}

float largest(const float* x, int64_t n) {
    constexpr int kLanes = 16;
    float lanes[kLanes];
    for (float& lane : lanes) lane = x[0];
    int64_t j = 0;
    for (; j + kLanes <= n; j += kLanes)
        for (int k = 0; k < kLanes; ++k) lanes[k] = std::max(lanes[k], x[j + k]);
    for (; j < n; ++j) lanes[0] = std::max(lanes[0], x[j]);
    return *std::max_element(lanes, lanes + kLanes);
}

void softmax(float* x, int64_t n) {
    float max_value = -INFINITY;
    for (int64_t i = 0; i < n; ++i) max_value = std::max(max_value, x[i]);
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        x[i] = std::exp(x[i] - max_value);
        sum += x[i];
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

// e^−g comes from shifted_exp, whose floats are std::exp's (glibc on a CPU with FMA; checked for
// every float in [−100, 100]) at several times the speed of calling it per value: a V2-Lite
// decode activates about 11000 values per MoE layer and 10944 in its dense one.
void swiglu(const float* gate, const float* up, float* out, int64_t n) {
    constexpr int64_t kChunk = 256;
    float e[kChunk];
    for (int64_t i = 0; i < n; i += kChunk) {
        const int64_t len = std::min(kChunk, n - i);
        for (int64_t k = 0; k < len; ++k) e[k] = -gate[i + k];
        shifted_exp(e, 0.0f, e, len);
        for (int64_t k = 0; k < len; ++k) out[i + k] = gate[i + k] / (1.0f + e[k]) * up[i + k];
    }
}

namespace {

// Attention spends its time in these kernels over every cached position: the widest variant
// this CPU runs (the rest of core is built for baseline x86-64).
const detail::VectorKernels& vector_kernels() {
    static const detail::VectorKernels& best = *detail::runnable_vector_kernels().front();
    return best;
}

}  // namespace

float dot(const float* a, const float* b, int64_t n) { return vector_kernels().dot(a, b, n); }

void axpy(float a, const float* x, float* y, int64_t n) { vector_kernels().axpy(a, x, y, n); }

void weighted_row_sums(const float* weights, int64_t weights_stride, int64_t n_sets, const float* rows, int64_t n_rows,
                       int64_t row_stride, float* out, int64_t out_stride, int64_t width) {
    vector_kernels().weighted_row_sums(weights, weights_stride, n_sets, rows, n_rows, row_stride, out, out_stride, width);
}

void scaled_row_sum(const float* const* rows, const double* factors, int64_t n_rows, double denominator, float* out,
                    int64_t width) {
    vector_kernels().scaled_row_sum(rows, factors, n_rows, denominator, out, width);
}

void shifted_exp(const float* x, float shift, float* out, int64_t n) { vector_kernels().shifted_exp(x, shift, out, n); }

namespace {

// Dimension index at which the rotation of pair frequencies completes n_rotations over the
// original context (ggml's ggml_rope_yarn_corr_dim).
float yarn_corr_dim(int n_dims, int n_ctx_orig, float n_rotations, float base) {
    return n_dims * std::log(n_ctx_orig / (n_rotations * 2.0f * static_cast<float>(M_PI))) /
           (2.0f * std::log(base));
}

}  // namespace

Rope::Rope(const RopeConfig& config) : config_(config) {
    const int pairs = config_.n_rot / 2;
    ramp_.assign(pairs, 0.0f);
    if (!config_.yarn) return;
    corr_low_ = std::max(0.0f, std::floor(yarn_corr_dim(config_.n_rot, config_.yarn_orig_ctx,
                                                         config_.yarn_beta_fast, config_.freq_base)));
    corr_high_ = std::min(static_cast<float>(config_.n_rot - 1),
                          std::ceil(yarn_corr_dim(config_.n_rot, config_.yarn_orig_ctx,
                                                  config_.yarn_beta_slow, config_.freq_base)));
    for (int i = 0; i < pairs; ++i) {
        const float y = (i - corr_low_) / std::max(0.001f, corr_high_ - corr_low_);
        ramp_[i] = (1.0f - std::min(1.0f, std::max(0.0f, y))) * config_.yarn_ext_factor;
    }
}

void Rope::apply(float* x, int n_heads, int head_dim, int pos) const {
    const int pairs = config_.n_rot / 2;
    // Same order of float operations as ggml: theta_i = pos · base^(−2i/n_rot) built by
    // repeated multiplication, then the YaRN mix of interpolated and extrapolated angles.
    const float theta_scale = std::pow(config_.freq_base, -2.0f / config_.n_rot);
    float theta_extrap = static_cast<float>(pos);
    float cos_table[512], sin_table[512];
    for (int i = 0; i < pairs; ++i) {
        const float angle = config_.freq_factors.empty() ? theta_extrap : theta_extrap / config_.freq_factors[i];
        const float theta_interp = config_.freq_scale * angle;
        const float theta = theta_interp * (1.0f - ramp_[i]) + angle * ramp_[i];
        cos_table[i] = std::cos(theta) * config_.magnitude;
        sin_table[i] = std::sin(theta) * config_.magnitude;
        theta_extrap *= theta_scale;
    }
    for (int h = 0; h < n_heads; ++h) {
        float* v = x + static_cast<int64_t>(h) * head_dim;
        for (int i = 0; i < pairs; ++i) {
            const int a = config_.style == RopeStyle::Norm ? 2 * i : i;
            const int b = config_.style == RopeStyle::Norm ? 2 * i + 1 : i + pairs;
            const float x0 = v[a], x1 = v[b];
            v[a] = x0 * cos_table[i] - x1 * sin_table[i];
            v[b] = x0 * sin_table[i] + x1 * cos_table[i];
        }
    }
}

}  // namespace moe::ops
