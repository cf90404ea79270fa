#include "models/synthetic_model.h"

#include <cmath>
#include <cstring>
#include <functional>

#include "models/model_options.h"
#include "gguf/gguf_file.h"
#include "models/metadata_keys.h"
#include "models/tensor_names.h"
#include "parallel/thread_pool.h"
#include "quant/quant.h"

namespace moe {

namespace {

struct Preset {
    const char* arch;
    const char* name;
    const char* description;
    int n_embd, n_layer, n_head, n_head_kv, head_dim, n_vocab, n_ctx;
    int n_expert, n_expert_used, n_shared, n_ff_expert, n_ff_shared, n_ff_dense, n_dense;
    // deepseek2 only, except qk_rope: also the rotated dims of glm4moe's heads (0: all)
    int q_lora, kv_lora, qk_nope, qk_rope, v_head;
    bool sigmoid;
    int n_group, n_group_used;
    float weights_scale;
    bool weights_norm;
    bool yarn;
    int window;    // gpt-oss: sliding window of the even blocks
    int moe_step;  // llama4: MoE on every moe_step-th block, dense FFN on the others
};

// Shapes from the published configs (reference §1.9 and §6.1); "tiny" ones for tests.
constexpr Preset kPresets[] = {
    {"deepseek2", "v2-lite", "DeepSeek-V2-Lite: 64 experts top-6 + 2 shared, MLA without q-LoRA",
     2048, 27, 16, 1, 0, 102400, 163840, 64, 6, 2, 1408, 0, 10944, 1, 0, 512, 128, 64, 128, false, 0, 0, 1.0f, false, true, 0, 0},
    {"deepseek2", "v2", "DeepSeek-V2: 160 experts top-6 + 2 shared, q-LoRA, 8 groups keep 3",
     5120, 60, 128, 1, 0, 102400, 163840, 160, 6, 2, 1536, 0, 12288, 1, 1536, 512, 128, 64, 128, false, 8, 3, 16.0f, false, true, 0, 0},
    {"deepseek2", "v3", "DeepSeek-V3: 256 experts top-8 + 1 shared, sigmoid gating with selection bias",
     7168, 61, 128, 1, 0, 129280, 163840, 256, 8, 1, 2048, 0, 18432, 3, 1536, 512, 128, 64, 128, true, 8, 4, 2.5f, true, true, 0, 0},
    {"deepseek2", "tiny", "3 layers, d=256, 8 experts top-2 + 1 shared (tests)",
     256, 3, 4, 1, 0, 300, 512, 8, 2, 1, 32, 0, 128, 1, 0, 32, 16, 16, 16, false, 0, 0, 1.0f, false, true, 0, 0},
    {"deepseek2", "small", "4 layers, d=512, 16 experts top-4 + 1 shared, 4096 tokens; 49 MB at q8_0 (memory test)",
     512, 4, 8, 1, 0, 4096, 4096, 16, 4, 1, 512, 0, 1024, 1, 0, 128, 32, 32, 32, false, 0, 0, 1.0f, false, true, 0, 0},
    {"qwen2moe", "a2.7b", "Qwen1.5-MoE-A2.7B: 60 experts top-4 + gated shared expert",
     2048, 24, 16, 16, 128, 151936, 8192, 60, 4, 1, 1408, 5632, 5632, 0, 0, 0, 0, 0, 0, false, 0, 0, 1.0f, false, false, 0, 0},
    {"qwen2moe", "tiny", "3 layers, d=256, 8 experts top-2 + gated shared expert (tests)",
     256, 3, 4, 2, 64, 300, 512, 8, 2, 1, 32, 64, 64, 0, 0, 0, 0, 0, 0, false, 0, 0, 1.0f, false, false, 0, 0},
    {"qwen3moe", "30b-a3b", "Qwen3-30B-A3B: 128 experts top-8, per-head q/k norm",
     2048, 48, 32, 4, 128, 151936, 40960, 128, 8, 0, 768, 0, 6144, 0, 0, 0, 0, 0, 0, false, 0, 0, 1.0f, true, false, 0, 0},
    {"qwen3moe", "tiny", "2 layers, d=256, 4 heads of 32 (≠ d/H), 8 experts top-2 (tests)",
     256, 2, 4, 2, 32, 300, 512, 8, 2, 0, 32, 0, 128, 0, 0, 0, 0, 0, 0, false, 0, 0, 1.0f, true, false, 0, 0},
    {"llama", "mixtral-8x7b", "Mixtral-8x7B: 8 experts top-2",
     4096, 32, 32, 8, 128, 32000, 32768, 8, 2, 0, 14336, 0, 14336, 0, 0, 0, 0, 0, 0, false, 0, 0, 1.0f, true, false, 0, 0},
    {"llama", "tiny", "3 layers, d=256, 4 experts top-2 (tests)",
     256, 3, 4, 2, 64, 300, 512, 4, 2, 0, 64, 0, 64, 0, 0, 0, 0, 0, 0, false, 0, 0, 1.0f, true, false, 0, 0},
    {"olmoe", "1b-7b", "OLMoE-1B-7B: 64 experts top-8",
     2048, 16, 16, 16, 128, 50304, 4096, 64, 8, 0, 1024, 0, 1024, 0, 0, 0, 0, 0, 0, false, 0, 0, 1.0f, false, false, 0, 0},
    {"olmoe", "tiny", "3 layers, d=256, 8 experts top-2 (tests)",
     256, 3, 4, 4, 64, 300, 512, 8, 2, 0, 32, 0, 32, 0, 0, 0, 0, 0, 0, false, 0, 0, 1.0f, false, false, 0, 0},
    {"granitemoe", "3b-a800m", "Granite-3.0-3B-A800M: 40 experts top-8, embedding/residual/attention/logit multipliers",
     1536, 32, 24, 8, 64, 49155, 4096, 40, 8, 0, 512, 0, 512, 0, 0, 0, 0, 0, 0, false, 0, 0, 1.0f, true, false, 0, 0},
    {"ernie4_5-moe", "21b-a3b", "ERNIE-4.5-21B-A3B: 64 experts top-6 + 2 shared, selection bias, 1 leading dense layer",
     2560, 28, 20, 4, 128, 103424, 131072, 64, 6, 2, 1536, 3072, 12288, 1, 0, 0, 0, 0, 0, false, 0, 0, 1.0f, true, false, 0, 0},
    {"ernie4_5-moe", "tiny", "3 layers, d=256, 1 dense + 2 MoE layers, 8 experts top-2 + shared, selection bias (tests)",
     256, 3, 4, 2, 64, 300, 512, 8, 2, 1, 32, 64, 128, 1, 0, 0, 0, 0, 0, false, 0, 0, 1.0f, true, false, 0, 0},
    {"glm4moe", "4.5-air", "GLM-4.5-Air: 128 experts top-8 + 1 shared, sigmoid gating with selection bias, half-rotary heads",
     4096, 46, 96, 8, 128, 151552, 131072, 128, 8, 1, 1408, 1408, 10944, 1, 0, 0, 0, 64, 0, true, 0, 0, 1.0f, true, false, 0, 0},
    {"glm4moe", "tiny", "3 layers + 1 skipped next-token layer, d=256, 8 experts top-2 + shared, sigmoid, half rotary (tests)",
     256, 3, 4, 2, 64, 300, 512, 8, 2, 1, 32, 32, 128, 1, 0, 0, 0, 32, 0, true, 0, 0, 1.0f, true, false, 0, 0},
    {"bailingmoe2", "mini-2.0", "Ling-mini-2.0: 256 experts top-8 + 1 shared, sigmoid gating, 8 groups keep 4, half-rotary heads",
     2048, 20, 16, 4, 128, 157184, 32768, 256, 8, 1, 512, 512, 5120, 1, 0, 0, 0, 64, 0, true, 8, 4, 2.5f, true, false, 0, 0},
    {"bailingmoe2", "tiny", "3 layers, d=256, 16 experts top-2 + shared, sigmoid, 4 groups keep 2, fused q/k/v (tests)",
     256, 3, 4, 2, 64, 300, 512, 16, 2, 1, 32, 32, 128, 1, 0, 0, 0, 32, 0, true, 4, 2, 2.5f, true, false, 0, 0},
    {"granitemoe", "tiny", "3 layers, d=256, 8 experts top-2, Granite multipliers (tests)",
     256, 3, 4, 2, 64, 300, 512, 8, 2, 0, 32, 0, 32, 0, 0, 0, 0, 0, 0, false, 0, 0, 1.0f, true, false, 0, 0},
    {"gpt-oss", "20b", "gpt-oss-20b: 32 experts top-4 (softmax over the 4), sinks, window 128 on even blocks, YaRN",
     2880, 24, 64, 8, 64, 201088, 131072, 32, 4, 0, 2880, 0, 2880, 0, 0, 0, 0, 0, 0, false, 0, 0, 1.0f, false, true, 128, 0},
    {"gpt-oss", "120b", "gpt-oss-120b: 128 experts top-4 (softmax over the 4), sinks, window 128 on even blocks, YaRN",
     2880, 36, 64, 8, 64, 201088, 131072, 128, 4, 0, 2880, 0, 2880, 0, 0, 0, 0, 0, 0, false, 0, 0, 1.0f, false, true, 128, 0},
    {"llama4", "scout", "Llama-4-Scout-17B-16E (text): 16 experts top-1 + shared, chunked attention, no RoPE every 4th block",
     5120, 48, 40, 8, 128, 202048, 10485760, 16, 1, 1, 8192, 8192, 16384, 0, 0, 0, 0, 0, 0, false, 0, 0, 1.0f, false, false, 0, 1},
    {"llama4", "maverick", "Llama-4-Maverick-17B-128E (text): 128 experts top-1 + shared on every 2nd block, no q/k norm",
     5120, 48, 40, 8, 128, 202048, 1048576, 128, 1, 1, 8192, 8192, 16384, 0, 0, 0, 0, 0, 0, false, 0, 0, 1.0f, false, false, 0, 2},
    {"llama4", "tiny", "4 layers, d=256, dense and MoE blocks alternating, 8 experts top-1 + shared, RoPE factors, no RoPE on block 3 (tests)",
     256, 4, 4, 2, 64, 300, 512, 8, 1, 1, 64, 64, 128, 0, 0, 0, 0, 0, 0, false, 0, 0, 1.0f, false, false, 0, 2},
    {"gpt-oss", "tiny", "3 layers, d=192, 4 heads of 64, 32 experts top-4, sinks, window 8 on blocks 0 and 2, YaRN (tests)",
     192, 3, 4, 2, 64, 300, 512, 32, 4, 0, 64, 0, 64, 0, 0, 0, 0, 0, 0, false, 0, 0, 1.0f, false, true, 8, 0},
};

const Preset& find_preset(const std::string& arch, const std::string& name) {
    for (const auto& p : kPresets)
        if (arch == p.arch && name == p.name) return p;
    std::string known;
    for (const auto& p : kPresets) known += std::string(known.empty() ? "" : ", ") + p.arch + "/" + p.name;
    throw EngineError("no synthetic preset '" + name + "' for architecture '" + arch + "' (known: " + known + ")");
}

uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

GgmlType fallback_type(GgmlType type, int64_t row_length) {
    while (row_length % type_traits(static_cast<uint32_t>(type))->block_size != 0) {
        switch (type) {
            case GgmlType::Q4_K: type = GgmlType::Q5_0; break;
            case GgmlType::Q5_K: type = GgmlType::Q5_1; break;
            case GgmlType::Q6_K: type = GgmlType::Q8_0; break;
            case GgmlType::Q2_K:
            case GgmlType::Q3_K: type = GgmlType::Q4_0; break;
            default: return GgmlType::F16;
        }
    }
    return type;
}

class ModelWriter {
public:
    ModelWriter(const SynthOptions& options, ThreadPool& pool) : options_(options), pool_(pool) {}

    // A weight with values uniform in ±amplitude, stored as the requested type (or its fallback).
    void matrix(TensorRole role, int layer, std::vector<int64_t> ne, float amplitude, bool keep_f32 = false) {
        const std::string name = tensor_name(role, layer);
        // MXFP4 is for expert tensors; the rest is Q8_0, as in llama-quantize's MXFP4_MOE files.
        const GgmlType requested = options_.type == GgmlType::MXFP4 && ne.size() < 3 ? GgmlType::Q8_0 : options_.type;
        const GgmlType type = keep_f32 ? GgmlType::F32 : fallback_type(requested, ne[0]);
        int64_t rows = 1;
        for (size_t i = 1; i < ne.size(); ++i) rows *= ne[i];
        const size_t stride = row_bytes(type, ne[0]);
        const uint64_t tensor_seed = options_.seed * 0x100000001B3ull ^ std::hash<std::string>{}(name);
        const int64_t cols = ne[0];
        // Made while the file is written, so only one tensor is ever in memory.
        writer_.add_streamed_tensor(name, type, ne, [=, &pool = pool_](uint8_t* data) {
            pool.parallel_for(rows, [&](int64_t begin, int64_t end, int) {
                std::vector<float> values(cols);
                for (int64_t r = begin; r < end; ++r) {
                    uint64_t state = tensor_seed + static_cast<uint64_t>(r) * 0x2545F4914F6CDD1Dull;
                    for (auto& v : values)
                        v = amplitude * (static_cast<float>(splitmix64(state) >> 40) / 8388608.0f - 1.0f);
                    quant::quantize_row(type, values.data(), data + stride * r, cols);
                }
            });
        });
    }

    void ones(TensorRole role, int layer, int64_t n) {
        writer_.add_f32_tensor(tensor_name(role, layer), {n}, std::vector<float>(n, 1.0f));
    }

    void values(TensorRole role, int layer, std::vector<float> v) {
        const int64_t n = static_cast<int64_t>(v.size());
        writer_.add_f32_tensor(tensor_name(role, layer), {n}, v);
    }

    gguf::GgufWriter& gguf() { return writer_; }

private:
    const SynthOptions& options_;
    ThreadPool& pool_;
    gguf::GgufWriter writer_;
};

// A byte-fallback SentencePiece-style vocabulary: <unk>, <s>, </s>, the 256 <0xXX> byte tokens,
// then unused padding up to the model's vocabulary size.
void write_vocabulary(gguf::GgufWriter& w, int n_vocab) {
    std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
    std::vector<int32_t> types = {2, 3, 3};
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        tokens.push_back(name);
        types.push_back(6);
    }
    while (static_cast<int>(tokens.size()) < n_vocab) {
        tokens.push_back("[PAD" + std::to_string(tokens.size()) + "]");
        types.push_back(5);
    }
    w.set("tokenizer.ggml.model", gguf::Value::str("llama"));
    w.set("tokenizer.ggml.tokens", gguf::Value::string_array(tokens));
    w.set("tokenizer.ggml.scores", gguf::Value::f32_array(std::vector<float>(tokens.size(), 0.0f)));
    w.set("tokenizer.ggml.token_type", gguf::Value::i32_array(types));
    w.set("tokenizer.ggml.bos_token_id", gguf::Value::u32(1));
    w.set("tokenizer.ggml.eos_token_id", gguf::Value::u32(2));
    w.set("tokenizer.ggml.unknown_token_id", gguf::Value::u32(0));
    w.set("tokenizer.ggml.add_bos_token", gguf::Value::boolean(true));
    w.set("tokenizer.ggml.add_eos_token", gguf::Value::boolean(false));
}

}  // namespace

std::vector<SynthPresetName> synthetic_presets() {
    std::vector<SynthPresetName> names;
    for (const auto& p : kPresets) names.push_back({p.arch, p.name, p.description});
    return names;
}

void write_synthetic_model(const SynthOptions& options, const std::string& path) {
    const Preset& p = find_preset(options.arch, options.preset);
    if (!quant::is_supported(options.type))
        throw EngineError("cannot write weights of type " + type_name(options.type));
    if (p.n_vocab < 259) throw EngineError("the synthetic vocabulary needs at least 259 tokens");
    if (options.layers < 0 || options.layers > p.n_layer) {
        throw EngineError("--layers " + std::to_string(options.layers) + " is out of range (allowed: 1 to " +
                          std::to_string(p.n_layer) + ", the preset's blocks)");
    }
    const int n_layer = options.layers > 0 ? options.layers : p.n_layer;
    const bool mla = std::string(p.arch) == "deepseek2";
    const int n_dense = std::min(p.n_dense, n_layer);
    const int64_t d = p.n_embd;

    ThreadPool pool;
    ModelWriter m(options, pool);
    gguf::GgufWriter& w = m.gguf();
    auto set = [&](MetaKey key, gguf::Value value) { w.set(key_name(key, p.arch), std::move(value)); };
    set(MetaKey::Architecture, gguf::Value::str(p.arch));
    set(MetaKey::Name, gguf::Value::str(std::string("synthetic ") + p.arch + " " + p.name));
    set(MetaKey::Description, gguf::Value::str("random-weight MoEScope synthetic model; seeded, not trained"));
    set(MetaKey::QuantizationVersion, gguf::Value::u32(2));
    set(MetaKey::ContextLength, gguf::Value::u32(p.n_ctx));
    set(MetaKey::EmbeddingLength, gguf::Value::u32(p.n_embd));
    const std::string arch = p.arch;
    const int n_nextn = arch == "glm4moe" ? 1 : 0;  // written, and skipped by the reader
    set(MetaKey::BlockCount, gguf::Value::u32(n_layer + n_nextn));
    set(MetaKey::FeedForwardLength, gguf::Value::u32(p.n_ff_dense));
    set(MetaKey::HeadCount, gguf::Value::u32(p.n_head));
    set(MetaKey::HeadCountKv, gguf::Value::u32(p.n_head_kv));
    set(MetaKey::RmsEpsilon, gguf::Value::f32(mla || arch == "qwen3moe" || arch == "granitemoe" ? 1e-6f : 1e-5f));
    const float rope_base = mla || arch == "olmoe" || arch == "granitemoe" ? 10000.0f
                            : arch == "ernie4_5-moe" || arch == "llama4"     ? 500000.0f
                            : arch == "gpt-oss"                              ? 150000.0f
                                                                             : 1e6f;
    set(MetaKey::RopeFreqBase, gguf::Value::f32(rope_base));
    set(MetaKey::ExpertCount, gguf::Value::u32(p.n_expert));
    set(MetaKey::ExpertUsedCount, gguf::Value::u32(p.n_expert_used));
    set(MetaKey::VocabSize, gguf::Value::u32(p.n_vocab));
    if (mla) {
        if (options.legacy_kv_b) {  // pre-2025 converters: real head sizes, one KV head per head
            set(MetaKey::HeadCountKv, gguf::Value::u32(p.n_head));
            set(MetaKey::KeyLength, gguf::Value::u32(p.qk_nope + p.qk_rope));
            set(MetaKey::ValueLength, gguf::Value::u32(p.v_head));
        } else {  // MLA split: the absorbed MQA view, real sizes in the *_mla keys
            set(MetaKey::KeyLength, gguf::Value::u32(p.kv_lora + p.qk_rope));
            set(MetaKey::ValueLength, gguf::Value::u32(p.kv_lora));
            set(MetaKey::KeyLengthMla, gguf::Value::u32(p.qk_nope + p.qk_rope));
            set(MetaKey::ValueLengthMla, gguf::Value::u32(p.v_head));
        }
        // Written even when 0: llama.cpp only assumes "no q-LoRA" for 26 or 27 blocks (real
        // V2-Lite), so a V2-Lite cut to fewer blocks must say it.
        set(MetaKey::QLoraRank, gguf::Value::u32(p.q_lora));
        set(MetaKey::KvLoraRank, gguf::Value::u32(p.kv_lora));
        set(MetaKey::RopeDimensionCount, gguf::Value::u32(p.qk_rope));
        set(MetaKey::ExpertSharedCount, gguf::Value::u32(p.n_shared));
        set(MetaKey::ExpertFeedForwardLength, gguf::Value::u32(p.n_ff_expert));
        set(MetaKey::LeadingDenseBlockCount, gguf::Value::u32(n_dense));
        set(MetaKey::ExpertWeightsScale, gguf::Value::f32(p.weights_scale));
        set(MetaKey::ExpertWeightsNorm, gguf::Value::boolean(p.weights_norm));
        set(MetaKey::ExpertGatingFunc, gguf::Value::u32(p.sigmoid ? 2 : 1));
        if (p.n_group > 1) {
            set(MetaKey::ExpertGroupCount, gguf::Value::u32(p.n_group));
            set(MetaKey::ExpertGroupUsedCount, gguf::Value::u32(p.n_group_used));
        }
        if (p.yarn) {
            set(MetaKey::RopeScalingType, gguf::Value::str("yarn"));
            set(MetaKey::RopeScalingFactor, gguf::Value::f32(40.0f));
            set(MetaKey::RopeScalingOrigContext, gguf::Value::u32(4096));
            set(MetaKey::RopeYarnLogMultiplier, gguf::Value::f32(p.sigmoid ? 0.1f : 0.0707f));
        }
    } else {
        set(MetaKey::KeyLength, gguf::Value::u32(p.head_dim));
        set(MetaKey::ValueLength, gguf::Value::u32(p.head_dim));
        set(MetaKey::RopeDimensionCount, gguf::Value::u32(p.qk_rope > 0 ? p.qk_rope : p.head_dim));
        set(MetaKey::ExpertFeedForwardLength, gguf::Value::u32(p.n_ff_expert));
        if (p.n_ff_shared > 0) set(MetaKey::ExpertSharedFeedForwardLength, gguf::Value::u32(p.n_ff_shared));
        if (arch == "ernie4_5-moe") {
            set(MetaKey::LeadingDenseBlockCount, gguf::Value::u32(n_dense));
            set(MetaKey::InterleaveMoeLayerStep, gguf::Value::u32(1));
            set(MetaKey::ExpertSharedCount, gguf::Value::u32(p.n_shared));
        }
        if (arch == "bailingmoe2") {
            set(MetaKey::LeadingDenseBlockCount, gguf::Value::u32(n_dense));
            set(MetaKey::ExpertSharedCount, gguf::Value::u32(p.n_shared));
            set(MetaKey::ExpertWeightsNorm, gguf::Value::boolean(p.weights_norm));
            set(MetaKey::ExpertWeightsScale, gguf::Value::f32(p.weights_scale));
            set(MetaKey::ExpertGatingFunc, gguf::Value::u32(2));
            set(MetaKey::ExpertGroupCount, gguf::Value::u32(p.n_group));
            set(MetaKey::ExpertGroupUsedCount, gguf::Value::u32(p.n_group_used));
        }
        if (arch == "glm4moe") {
            set(MetaKey::LeadingDenseBlockCount, gguf::Value::u32(n_dense));
            set(MetaKey::ExpertSharedCount, gguf::Value::u32(p.n_shared));
            set(MetaKey::ExpertWeightsNorm, gguf::Value::boolean(p.weights_norm));
            set(MetaKey::ExpertWeightsScale, gguf::Value::f32(p.weights_scale));
            set(MetaKey::ExpertGatingFunc, gguf::Value::u32(2));
            set(MetaKey::NextnPredictLayers, gguf::Value::u32(n_nextn));
        }
        if (arch == "llama4") set(MetaKey::InterleaveMoeLayerStep, gguf::Value::u32(p.moe_step));
        if (arch == "gpt-oss") {  // YaRN ×32 as published; the tiny preset's short context scales too
            set(MetaKey::SlidingWindow, gguf::Value::u32(p.window));
            set(MetaKey::RopeScalingType, gguf::Value::str("yarn"));
            set(MetaKey::RopeScalingFactor, gguf::Value::f32(32.0f));
            set(MetaKey::RopeScalingOrigContext, gguf::Value::u32(p.n_ctx / 32));
        }
        if (arch == "granitemoe") {  // the published 3.0 MoE checkpoints' multipliers
            set(MetaKey::EmbeddingScale, gguf::Value::f32(12.0f));
            set(MetaKey::ResidualScale, gguf::Value::f32(0.22f));
            set(MetaKey::AttentionScale, gguf::Value::f32(0.015625f));
            set(MetaKey::LogitScale, gguf::Value::f32(6.0f));
        }
    }
    write_vocabulary(w, p.n_vocab);

    // Amplitudes keep activations O(1): uniform(±a) has std a/√3, so a = √3/√fan_in.
    auto amp = [](int64_t fan_in) { return std::sqrt(3.0f / static_cast<float>(fan_in)); };
    m.matrix(TensorRole::TokenEmbd, -1, {d, p.n_vocab}, 1.0f);
    m.ones(TensorRole::OutputNorm, -1, d);
    m.matrix(TensorRole::Output, -1, {d, p.n_vocab}, amp(d));
    if (arch == "llama4") {  // Llama 3-style rope scaling: long wavelengths slowed down up to 8×
        std::vector<float> factors(p.head_dim / 2);
        for (size_t i = 0; i < factors.size(); ++i) factors[i] = 1.0f + 7.0f * static_cast<float>(i) / (factors.size() - 1);
        m.values(TensorRole::RopeFreqs, -1, factors);
    }
    for (int il = 0; il < n_layer + n_nextn; ++il) {
        m.ones(TensorRole::AttnNorm, il, d);
        m.ones(arch == "glm4moe" || arch == "gpt-oss" ? TensorRole::AttnPostNorm : TensorRole::FfnNorm, il, d);
        if (il >= n_layer) {  // a multi-token-prediction block's own tensors
            m.matrix(TensorRole::NextnEhProj, il, {2 * d, d}, amp(2 * d));
            m.ones(TensorRole::NextnEnorm, il, d);
            m.ones(TensorRole::NextnHnorm, il, d);
        }
        if (mla) {
            const int64_t H = p.n_head, dk = p.qk_nope + p.qk_rope;
            if (p.q_lora > 0) {
                m.matrix(TensorRole::AttnQA, il, {d, p.q_lora}, amp(d));
                m.ones(TensorRole::AttnQANorm, il, p.q_lora);
                m.matrix(TensorRole::AttnQB, il, {p.q_lora, H * dk}, amp(p.q_lora));
            } else {
                m.matrix(TensorRole::AttnQ, il, {d, H * dk}, amp(d));
            }
            m.matrix(TensorRole::AttnKvAMqa, il, {d, p.kv_lora + p.qk_rope}, amp(d));
            m.ones(TensorRole::AttnKvANorm, il, p.kv_lora);
            if (options.legacy_kv_b) {
                m.matrix(TensorRole::AttnKvB, il, {p.kv_lora, H * (p.qk_nope + p.v_head)}, amp(p.kv_lora));
            } else {
                m.matrix(TensorRole::AttnKB, il, {p.qk_nope, p.kv_lora, H}, amp(p.kv_lora));
                m.matrix(TensorRole::AttnVB, il, {p.kv_lora, p.v_head, H}, amp(p.kv_lora));
            }
            m.matrix(TensorRole::AttnOutput, il, {H * p.v_head, d}, amp(H * p.v_head));
        } else {
            const int64_t q_width = static_cast<int64_t>(p.n_head) * p.head_dim;
            const int64_t kv_width = static_cast<int64_t>(p.n_head_kv) * p.head_dim;
            if (arch == "bailingmoe2") {
                m.matrix(TensorRole::AttnQkv, il, {d, q_width + 2 * kv_width}, amp(d));
            } else {
                m.matrix(TensorRole::AttnQ, il, {d, q_width}, amp(d));
                m.matrix(TensorRole::AttnK, il, {d, kv_width}, amp(d));
                m.matrix(TensorRole::AttnV, il, {d, kv_width}, amp(d));
            }
            m.matrix(TensorRole::AttnOutput, il, {q_width, d}, amp(q_width));
            if (arch == "qwen2moe" || arch == "glm4moe" || arch == "gpt-oss") {
                m.matrix(TensorRole::AttnQBias, il, {q_width}, 0.1f, true);
                m.matrix(TensorRole::AttnKBias, il, {kv_width}, 0.1f, true);
                m.matrix(TensorRole::AttnVBias, il, {kv_width}, 0.1f, true);
            }
            if (arch == "gpt-oss") {
                m.matrix(TensorRole::AttnOutputBias, il, {d}, 0.1f, true);
                m.matrix(TensorRole::AttnSinks, il, {p.n_head}, 2.0f, true);
            } else if (arch == "qwen3moe" || arch == "bailingmoe2") {
                m.ones(TensorRole::AttnQNorm, il, p.head_dim);
                m.ones(TensorRole::AttnKNorm, il, p.head_dim);
            } else if (arch == "olmoe") {
                m.ones(TensorRole::AttnQNorm, il, q_width);
                m.ones(TensorRole::AttnKNorm, il, kv_width);
            }
        }
        if (arch == "llama4" ? (il + 1) % p.moe_step != 0 : il < n_dense) {
            m.matrix(TensorRole::FfnGate, il, {d, p.n_ff_dense}, amp(d));
            m.matrix(TensorRole::FfnUp, il, {d, p.n_ff_dense}, amp(d));
            m.matrix(TensorRole::FfnDown, il, {p.n_ff_dense, d}, amp(p.n_ff_dense));
            continue;
        }
        const int64_t E = p.n_expert, fe = p.n_ff_expert;
        m.matrix(TensorRole::FfnGateInp, il, {d, E}, 4.0f * amp(d), true);  // sharper routing
        if (p.sigmoid || arch == "ernie4_5-moe") {  // ERNIE's e_score_correction_bias
            std::vector<float> bias(E);
            for (int64_t e = 0; e < E; ++e) bias[e] = 0.01f * static_cast<float>((e * 7) % 5);
            m.values(TensorRole::ExpProbsB, il, bias);
        }
        // gpt-oss: gate/up large enough that the SwiGLU clamp at ±7 bites
        const float gate_up_amp = (arch == "gpt-oss" ? 4.0f : 1.0f) * amp(d);
        m.matrix(TensorRole::FfnGateExps, il, {d, fe, E}, gate_up_amp);
        m.matrix(TensorRole::FfnUpExps, il, {d, fe, E}, gate_up_amp);
        m.matrix(TensorRole::FfnDownExps, il, {fe, d, E}, amp(fe));
        if (arch == "gpt-oss") {
            m.matrix(TensorRole::FfnGateInpBias, il, {E}, 0.5f, true);
            m.matrix(TensorRole::FfnGateExpsBias, il, {fe, E}, 0.1f, true);
            m.matrix(TensorRole::FfnUpExpsBias, il, {fe, E}, 0.1f, true);
            m.matrix(TensorRole::FfnDownExpsBias, il, {d, E}, 0.1f, true);
        }
        const int64_t shared = mla ? static_cast<int64_t>(p.n_shared) * fe : p.n_ff_shared;
        if (shared > 0) {
            m.matrix(TensorRole::FfnGateShexp, il, {d, shared}, amp(d));
            m.matrix(TensorRole::FfnUpShexp, il, {d, shared}, amp(d));
            m.matrix(TensorRole::FfnDownShexp, il, {shared, d}, amp(shared));
            if (arch == "qwen2moe") m.matrix(TensorRole::FfnGateInpShexp, il, {d}, amp(d), true);
        }
    }
    w.write(path);
}

}  // namespace moe
