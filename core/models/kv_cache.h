// Per-layer attention cache: two F32 streams per position. GQA stores K and V (Hkv·hd each);
// MLA stores the normalised KV latent c (kv_lora) and the shared rope key k_pe (qk_rope).
#pragma once

#include <cstdint>
#include <vector>

namespace moe {

class KvCache {
public:
    KvCache(int n_layer, int n_ctx, int width_a, int width_b)
        : n_ctx_(n_ctx), width_a_(width_a), width_b_(width_b),
          a_(static_cast<size_t>(n_layer) * n_ctx * width_a), b_(static_cast<size_t>(n_layer) * n_ctx * width_b) {}

    int n_ctx() const { return n_ctx_; }
    int n_past() const { return n_past_; }
    void set_n_past(int n) { n_past_ = n; }
    int width_a() const { return width_a_; }
    int width_b() const { return width_b_; }

    float* a(int layer, int pos) { return a_.data() + (static_cast<size_t>(layer) * n_ctx_ + pos) * width_a_; }
    float* b(int layer, int pos) { return b_.data() + (static_cast<size_t>(layer) * n_ctx_ + pos) * width_b_; }
    size_t bytes() const { return (a_.size() + b_.size()) * sizeof(float); }

private:
    int n_ctx_, width_a_, width_b_;
    int n_past_ = 0;
    std::vector<float> a_, b_;
};

}  // namespace moe
