// Helpers shared by the tests/quant programs: random valid rows and ISA pinning.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gguf/tensor_types.h"
#include "quant/quant.h"

namespace moe::quant::test {

// Every type with kernels, in id order.
inline const std::vector<GgmlType>& all_types() {
    static const std::vector<GgmlType> types = {
        GgmlType::F32,  GgmlType::F16,  GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0,
        GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K,
        GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::BF16, GgmlType::MXFP4};
    return types;
}

inline const std::vector<std::string>& all_isas() {
    static const std::vector<std::string> isas = {"scalar", "avx2", "avx512"};
    return isas;
}

inline int64_t block_size(GgmlType type) { return type_traits(static_cast<uint32_t>(type))->block_size; }
inline int64_t block_bytes(GgmlType type) { return type_traits(static_cast<uint32_t>(type))->type_size; }

// Byte offsets of the F16 scale fields inside one block (reference §4.2/§4.4).
inline std::vector<int> half_offsets(GgmlType type) {
    switch (type) {
        case GgmlType::Q4_0: case GgmlType::Q5_0: case GgmlType::Q8_0: return {0};
        case GgmlType::Q4_1: case GgmlType::Q5_1: case GgmlType::Q4_K: case GgmlType::Q5_K: return {0, 2};
        case GgmlType::Q2_K: return {80, 82};
        case GgmlType::Q3_K: return {108};
        case GgmlType::Q6_K: return {208};
        default: return {};
    }
}

// A finite F16 in roughly [2^-12, 2), random sign: small enough that products stay tame.
inline uint16_t random_half(std::mt19937& rng) {
    std::uniform_real_distribution<float> magnitude(-12.0f, 1.0f);
    const float v = std::exp2(magnitude(rng)) * (rng() & 1 ? -1.0f : 1.0f);
    return fp32_to_fp16(v);
}

// One stored row of n values: random bytes for the quants and packed scales, finite F16 scales.
inline std::vector<uint8_t> random_row(GgmlType type, int64_t n, std::mt19937& rng) {
    std::vector<uint8_t> bytes(row_bytes(type, n));
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    auto put_half = [&](size_t at, uint16_t h) {
        bytes[at] = static_cast<uint8_t>(h);
        bytes[at + 1] = static_cast<uint8_t>(h >> 8);
    };
    if (type == GgmlType::F32) {
        std::normal_distribution<float> normal;
        for (int64_t i = 0; i < n; ++i) {
            const float v = normal(rng);
            std::memcpy(bytes.data() + 4 * i, &v, 4);
        }
    } else if (type == GgmlType::F16) {
        for (int64_t i = 0; i < n; ++i) put_half(static_cast<size_t>(2 * i), random_half(rng));
    } else if (type == GgmlType::BF16) {
        for (int64_t i = 0; i < n; ++i) put_half(static_cast<size_t>(2 * i), fp32_to_bf16(fp16_to_fp32(random_half(rng))));
    } else if (type == GgmlType::MXFP4) {
        // E8M0 exponents for scales 2^-12 .. 2^1, like the F16 scales of the other formats.
        for (int64_t b = 0; b < n / 32; ++b) bytes[static_cast<size_t>(17 * b)] = static_cast<uint8_t>(115 + rng() % 14);
    } else {
        for (int64_t b = 0; b < n / block_size(type); ++b) {
            for (int offset : half_offsets(type)) put_half(static_cast<size_t>(b * block_bytes(type) + offset), random_half(rng));
        }
    }
    return bytes;
}

inline std::vector<float> random_floats(int64_t n, std::mt19937& rng, float scale = 1.0f) {
    std::normal_distribution<float> normal(0.0f, scale);
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) x = normal(rng);
    return v;
}

// Σ|w_i·x_i| in double: the scale a float dot product's rounding error is relative to.
inline double abs_dot(const std::vector<float>& w, const float* x) {
    double s = 0.0;
    for (size_t i = 0; i < w.size(); ++i) s += std::fabs(static_cast<double>(w[i]) * x[i]);
    return s;
}

// Pins the kernels to one instruction set for a scope; restores the best one afterwards.
class IsaScope {
public:
    explicit IsaScope(const std::string& isa) : previous_(active_isa()), ok_(force_isa(isa)) {}
    ~IsaScope() { force_isa(previous_); }
    IsaScope(const IsaScope&) = delete;
    IsaScope& operator=(const IsaScope&) = delete;
    bool ok() const { return ok_; }

private:
    std::string previous_;
    bool ok_;
};

}  // namespace moe::quant::test
