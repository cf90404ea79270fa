// Small F32 building blocks of the forward pass (reference §3.1-3.2).
#pragma once

#include <cstdint>
#include <vector>

namespace moe::ops {

// y = x / sqrt(mean(x²) + eps) ⊙ gain; x and y may alias.  x, y: (n)
void rms_norm(const float* x, const float* gain, float* y, int64_t n, float eps);

// The largest of n > 0 floats, NaNs skipped unless x[0] is one (then NaN), in 16 lanes so the
// compiler vectorises it: any order of a maximum gives the same value.
float largest(const float* x, int64_t n);

// In place over n values: x ← exp(x − max) / Σ.
void softmax(float* x, int64_t n);

inline float sigmoid(float x);
void swiglu(const float* gate, const float* up, float* out, int64_t n);  // out = silu(gate) ⊙ up

float dot(const float* a, const float* b, int64_t n);
void axpy(float a, const float* x, float* y, int64_t n);  // y += a·x
// For each set s < n_sets: out[s·out_stride + 0..width) = Σ_j weights[s·weights_stride + j] ·
// rows[j·row_stride + 0..width): the weighted sums of attention values, every query of a
// position block at once (each value row is read once per four queries).
void weighted_row_sums(const float* weights, int64_t weights_stride, int64_t n_sets, const float* rows, int64_t n_rows,
                       int64_t row_stride, float* out, int64_t out_stride, int64_t width);
// out[0..width) = (Σ_k factors[k]·rows[k][0..width)) / denominator, summed in double with k in
// order and every product and sum rounded on its own: the same floats on every ISA. The merge
// of an attention's position blocks.
void scaled_row_sum(const float* const* rows, const double* factors, int64_t n_rows, double denominator, float* out,
                    int64_t width);
// out[j] = e^(x[j] − shift), j < n, bit for bit std::exp(x[j] − shift) with glibc on a CPU with
// FMA, on every ISA (x and out may alias): a softmax's exponentials.
void shifted_exp(const float* x, float shift, float* out, int64_t n);

enum class RopeStyle { Norm, Neox };  // Norm: pairs (2i, 2i+1); Neox: pairs (i, i + n_rot/2)

struct RopeConfig {
    RopeStyle style = RopeStyle::Norm;
    int n_rot = 0;              // rotated dims per head
    float freq_base = 10000.0f;
    float freq_scale = 1.0f;    // 1 / scaling factor
    bool yarn = false;
    float yarn_ext_factor = 1.0f;
    float yarn_beta_fast = 32.0f;
    float yarn_beta_slow = 1.0f;
    int yarn_orig_ctx = 0;
    float magnitude = 1.0f;     // multiplies cos and sin (YaRN m_rope)
    std::vector<float> freq_factors;  // (n_rot/2) divide each pair's angle (rope_freqs), or empty
};

// Per-position cos/sin tables for the n_rot/2 rotation pairs, following ggml's rope_yarn.
class Rope {
public:
    explicit Rope(const RopeConfig& config);
    const RopeConfig& config() const { return config_; }
    // Rotates the first n_rot dims of each of n_heads vectors of length head_dim at `pos`.
    void apply(float* x, int n_heads, int head_dim, int pos) const;

private:
    RopeConfig config_;
    std::vector<float> ramp_;  // (n_rot/2) YaRN extrapolation mix per pair, 0 without YaRN
    float corr_low_ = 0, corr_high_ = 0;
};

}  // namespace moe::ops

#include <cmath>
inline float moe::ops::sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }
