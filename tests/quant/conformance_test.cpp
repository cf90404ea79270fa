// Real llama.cpp-quantized tensors (the deepseek2 conformance models) against their F32 originals.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

#include "gguf/gguf_file.h"
#include "quant/quant.h"
#include "quant_test_util.h"
#include "support/test_support.h"

namespace moe::quant::test {
namespace {

// The codes llama.cpp's reference quantizers (quantize_row_q8_0_ref / _q5_0_ref) give a block
// of 32, and the F32 scale they use; the file stores that scale as F16.
struct LegacyCodes {
    float d = 0.0f;
    int code[32] = {};
};

LegacyCodes llama_q8_0_codes(const float* x) {
    LegacyCodes c;
    float amax = 0.0f;
    for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(x[i]));
    c.d = amax / 127;
    const float id = c.d != 0.0f ? 1.0f / c.d : 0.0f;
    for (int i = 0; i < 32; ++i) c.code[i] = static_cast<int>(std::roundf(x[i] * id));
    return c;
}

LegacyCodes llama_q5_0_codes(const float* x) {
    LegacyCodes c;
    float amax = 0.0f, max = 0.0f;
    for (int i = 0; i < 32; ++i) {
        if (amax < std::fabs(x[i])) {
            amax = std::fabs(x[i]);
            max = x[i];
        }
    }
    c.d = max / -16;
    const float id = c.d != 0.0f ? 1.0f / c.d : 0.0f;
    for (int i = 0; i < 32; ++i) c.code[i] = std::min(31, static_cast<int>(static_cast<int8_t>(x[i] * id + 16.5f))) - 16;
    return c;
}

struct TypeStats {
    int tensors = 0;
    double err2 = 0.0, ref2 = 0.0;  // Σ(dequantized − original)², Σ original²
    double relative_rms() const { return std::sqrt(err2 / ref2); }
};

class DeepSeek2Quantized : public ::testing::Test {
protected:
    void SetUp() override {
        const std::string dir = moe::test::conformance_dir();
        if (dir.empty()) GTEST_SKIP() << "conformance fixtures not found; set MOESCOPE_CONFORMANCE_DIR";
        quantized_ = gguf::GgufFile::open(dir + "/models/deepseek2-q4_k_m.gguf");
        original_ = gguf::GgufFile::open(dir + "/models/deepseek2-f32.gguf");
    }

    // Calls check(q, original F32 values, rows, cols) for every quantized tensor.
    template <class Check>
    void for_each_quantized(Check&& check) {
        for (const gguf::TensorInfo& q : quantized_->tensors()) {
            if (q.type == GgmlType::F32) continue;
            const gguf::TensorInfo* f = original_->find_tensor(q.name);
            ASSERT_NE(f, nullptr) << q.name;
            ASSERT_EQ(f->type, GgmlType::F32) << q.name;
            ASSERT_EQ(f->n_elements(), q.n_elements()) << q.name;
            ASSERT_TRUE(is_supported(q.type)) << q.name << " is " << type_name(q.type);
            check(q, reinterpret_cast<const float*>(f->data), q.n_elements() / q.ne[0], q.ne[0]);
        }
    }

    std::unique_ptr<gguf::GgufFile> quantized_, original_;
};

TEST_F(DeepSeek2Quantized, EveryIsaDequantizesEveryTensorLikeTheReference) {
    for_each_quantized([](const gguf::TensorInfo& q, const float*, int64_t rows, int64_t cols) {
        const size_t stride = row_bytes(q.type, cols);
        std::vector<float> reference(static_cast<size_t>(cols)), fast(static_cast<size_t>(cols));
        for (const std::string& isa : all_isas()) {
            IsaScope scope(isa);
            if (!scope.ok()) continue;
            for (int64_t r = 0; r < rows; ++r) {
                dequantize_row_reference(q.type, q.data + r * stride, reference.data(), cols);
                dequantize_row(q.type, q.data + r * stride, fast.data(), cols);
                ASSERT_EQ(fast, reference) << q.name << " row " << r << " " << isa;
            }
        }
    });
}

TEST_F(DeepSeek2Quantized, Q8_0AndQ5_0DecodeToLlamaCppsCodes) {
    // Recompute llama.cpp's round-to-nearest codes from the F32 originals: our dequantized value
    // must be exactly F16(d)·code, which pins down the whole block layout.
    std::map<GgmlType, int> checked;
    for_each_quantized([&](const gguf::TensorInfo& q, const float* original, int64_t rows, int64_t cols) {
        if (q.type != GgmlType::Q8_0 && q.type != GgmlType::Q5_0) return;
        std::vector<float> y(static_cast<size_t>(cols));
        for (int64_t r = 0; r < rows; ++r) {
            dequantize_row(q.type, q.data + r * row_bytes(q.type, cols), y.data(), cols);
            for (int64_t b = 0; b < cols / 32; ++b) {
                const float* x = original + r * cols + 32 * b;
                const LegacyCodes c = q.type == GgmlType::Q8_0 ? llama_q8_0_codes(x) : llama_q5_0_codes(x);
                const float d16 = fp16_to_fp32(fp32_to_fp16(c.d));
                for (int i = 0; i < 32; ++i) {
                    ASSERT_EQ(y[static_cast<size_t>(32 * b + i)], d16 * static_cast<float>(c.code[i]))
                        << q.name << " row " << r << " value " << 32 * b + i;
                }
            }
        }
        ++checked[q.type];
    });
    EXPECT_GT(checked[GgmlType::Q8_0], 0);
    EXPECT_GT(checked[GgmlType::Q5_0], 0);
}

TEST_F(DeepSeek2Quantized, ErrorAgainstF32IsQuantizationNoise) {
    // Q8_0 codes are rounded against the unrounded d, so a value is within d/2 of its original
    // plus up to 127 × the F16 rounding of d (2^-11 relative): 0.5625·d in all.
    double worst_q8_0 = 0.0;
    std::map<GgmlType, TypeStats> stats;
    for_each_quantized([&](const gguf::TensorInfo& q, const float* original, int64_t rows, int64_t cols) {
        std::vector<float> y(static_cast<size_t>(cols));
        TypeStats& s = stats[q.type];
        ++s.tensors;
        for (int64_t r = 0; r < rows; ++r) {
            const uint8_t* row = q.data + r * row_bytes(q.type, cols);
            dequantize_row(q.type, row, y.data(), cols);
            for (int64_t i = 0; i < cols; ++i) {
                const double x = original[r * cols + i], e = y[static_cast<size_t>(i)] - x;
                s.err2 += e * e;
                s.ref2 += x * x;
                if (q.type == GgmlType::Q8_0) {
                    const uint8_t* block = row + i / 32 * 34;
                    const float d = fp16_to_fp32(static_cast<uint16_t>(block[0] | block[1] << 8));
                    ASSERT_LE(std::fabs(e), 0.5625 * d) << q.name << " row " << r << " value " << i;
                    if (d > 0) worst_q8_0 = std::max(worst_q8_0, std::fabs(e) / d);
                }
            }
        }
    });
    // Relative RMS errors of these files are 0.0054 (Q8_0), 0.018 (Q6_K), 0.043 (Q5_0) and
    // 0.071 (Q4_K); a layout mistake gives errors of order 1.
    const std::map<GgmlType, double> limits = {
        {GgmlType::Q8_0, 0.007}, {GgmlType::Q6_K, 0.025}, {GgmlType::Q5_0, 0.055}, {GgmlType::Q4_K, 0.09}};
    for (auto [type, limit] : limits) {
        ASSERT_GT(stats[type].tensors, 0) << "no " << type_name(type) << " tensor in the file";
        EXPECT_LE(stats[type].relative_rms(), limit) << type_name(type);
        RecordProperty(type_name(type) + "_relative_rms", std::to_string(stats[type].relative_rms()));
    }
    RecordProperty("q8_0_worst_error_in_steps", std::to_string(worst_q8_0));
}

TEST_F(DeepSeek2Quantized, DotRowMatchesTheDequantizedRow) {
    std::mt19937 rng(21);
    for_each_quantized([&](const gguf::TensorInfo& q, const float*, int64_t rows, int64_t cols) {
        const std::vector<float> x = random_floats(cols, rng);
        std::vector<float> w(static_cast<size_t>(cols));
        for (int64_t r = 0; r < rows; r += 7) {
            const uint8_t* row = q.data + r * row_bytes(q.type, cols);
            dequantize_row_reference(q.type, row, w.data(), cols);
            double exact = 0.0, scale = 0.0;
            for (int64_t i = 0; i < cols; ++i) {
                exact += static_cast<double>(w[static_cast<size_t>(i)]) * x[static_cast<size_t>(i)];
                scale += std::fabs(static_cast<double>(w[static_cast<size_t>(i)]) * x[static_cast<size_t>(i)]);
            }
            ASSERT_NEAR(dot_row(q.type, row, x.data(), cols), exact, 1e-6 * scale) << q.name << " row " << r;
        }
    });
}

}  // namespace
}  // namespace moe::quant::test
