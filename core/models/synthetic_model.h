// Random-weight models with the real shapes of published MoE models, written as GGUF files
// that follow llama.cpp's conventions, so users can benchmark without a download and tests can
// build every architecture themselves.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gguf/tensor_types.h"

namespace moe {

struct SynthOptions {
    std::string arch = "deepseek2";
    std::string preset = "tiny";  // see synthetic_presets()
    int layers = 0;               // 0: the preset's block count
    GgmlType type = GgmlType::F32;
    uint64_t seed = 1;
    bool legacy_kv_b = false;     // deepseek2: write attn_kv_b instead of attn_k_b/attn_v_b
};

struct SynthPresetName {
    std::string arch, preset, description;
};
std::vector<SynthPresetName> synthetic_presets();

// Writes the model atomically. Matrices whose row length does not fit the requested type's
// block fall back as llama-quantize does (q4_K→q5_0, q5_K→q5_1, q6_K→q8_0, q2_K/q3_K→q4_0,
// then f16). Throws EngineError for an unknown arch/preset or unsupported type.
void write_synthetic_model(const SynthOptions& options, const std::string& path);

}  // namespace moe
