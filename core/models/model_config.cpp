#include "models/model_config.h"

#include <algorithm>
#include <cmath>

#include "gguf/gguf_file.h"
#include "models/metadata_reader.h"
#include "models/model_options.h"

namespace moe {

ModelConfig read_common_config(const gguf::GgufFile& file) {
    ModelConfig c;
    MetadataReader general(file, "");
    c.arch = general.text(MetaKey::Architecture, "");
    if (c.arch.empty()) general.fail(MetaKey::Architecture, "is missing");
    MetadataReader keys(file, c.arch);

    c.n_layer = static_cast<int>(keys.integer(MetaKey::BlockCount, 0, 1, 1024, true));
    c.n_embd = static_cast<int>(keys.integer(MetaKey::EmbeddingLength, 0, 1, 1 << 17, true));
    c.n_ctx_train = static_cast<int>(keys.integer(MetaKey::ContextLength, 4096, 1, 1 << 24));
    c.n_head = static_cast<int>(keys.integer(MetaKey::HeadCount, 0, 1, 4096, true));
    c.n_head_kv = static_cast<int>(keys.integer(MetaKey::HeadCountKv, c.n_head, 1, c.n_head));
    if (c.n_head % c.n_head_kv != 0)
        keys.fail(MetaKey::HeadCountKv, "does not divide attention.head_count");
    c.head_dim_k = static_cast<int>(keys.integer(MetaKey::KeyLength, c.n_embd / c.n_head, 1, 1 << 16));
    c.head_dim_v = static_cast<int>(keys.integer(MetaKey::ValueLength, c.n_embd / c.n_head, 1, 1 << 16));
    c.rms_eps = keys.real(MetaKey::RmsEpsilon, 1e-6f);

    const int64_t token_count = static_cast<int64_t>(file.get_string_array("tokenizer.ggml.tokens").size());
    c.n_vocab = static_cast<int>(keys.integer(MetaKey::VocabSize, token_count, 1, 1 << 24));

    c.n_ff_dense = static_cast<int>(keys.integer(MetaKey::FeedForwardLength, 0, 0, 1 << 20));
    c.n_expert = static_cast<int>(keys.integer(MetaKey::ExpertCount, 0, 0, 512));
    c.n_expert_used = static_cast<int>(keys.integer(MetaKey::ExpertUsedCount, 0, 0, c.n_expert));
    if (c.n_expert > 0 && c.n_expert_used == 0) keys.fail(MetaKey::ExpertUsedCount, "is 0 in a model with experts");
    c.n_ff_expert = static_cast<int>(keys.integer(MetaKey::ExpertFeedForwardLength, c.n_ff_dense, 0, 1 << 20));
    c.n_expert_shared = static_cast<int>(keys.integer(MetaKey::ExpertSharedCount, 0, 0, 64));
    c.moe.n_group = static_cast<int>(keys.integer(MetaKey::ExpertGroupCount, 0, 0, 512));
    c.moe.n_group_used = static_cast<int>(keys.integer(MetaKey::ExpertGroupUsedCount, 0, 0, c.moe.n_group));
    if (c.moe.n_group > 1) {
        if (c.n_expert % c.moe.n_group != 0) keys.fail(MetaKey::ExpertGroupCount, "does not divide expert_count");
        if (c.moe.n_group_used == 0) keys.fail(MetaKey::ExpertGroupUsedCount, "is 0 while experts are grouped");
    }

    // RoPE (reference §3.2)
    c.rope.n_rot = static_cast<int>(keys.integer(MetaKey::RopeDimensionCount, c.head_dim_k, 2, 1024));
    if (c.rope.n_rot % 2 != 0 || c.rope.n_rot > c.head_dim_k)
        keys.fail(MetaKey::RopeDimensionCount, "must be even and at most the key head size " + std::to_string(c.head_dim_k));
    c.rope.freq_base = keys.real(MetaKey::RopeFreqBase, 10000.0f);
    if (c.rope.freq_base <= 1.0f) keys.fail(MetaKey::RopeFreqBase, "must be greater than 1");
    const std::string scaling = keys.text(MetaKey::RopeScalingType, "none");
    const float factor = keys.real(MetaKey::RopeScalingFactor, 0.0f);
    if (scaling == "linear" && factor > 0) c.rope.freq_scale = 1.0f / factor;
    if (scaling == "yarn" && factor > 1) {
        c.rope.yarn = true;
        c.rope.freq_scale = 1.0f / factor;
        c.rope.yarn_orig_ctx = static_cast<int>(
            keys.integer(MetaKey::RopeScalingOrigContext, c.n_ctx_train, 1, 1 << 24));
        c.rope.yarn_ext_factor = keys.real(MetaKey::RopeYarnExtFactor, 1.0f);
        c.rope.yarn_beta_fast = keys.real(MetaKey::RopeYarnBetaFast, 32.0f);
        c.rope.yarn_beta_slow = keys.real(MetaKey::RopeYarnBetaSlow, 1.0f);
        // Generic YaRN scales cos/sin; DeepSeek overrides this (its ratio of mscales is 1).
        c.rope.magnitude = keys.real(MetaKey::RopeAttnFactor, 1.0f) * (1.0f + 0.1f * std::log(factor));
    } else if (scaling != "none" && scaling != "linear" && scaling != "yarn") {
        keys.fail(MetaKey::RopeScalingType, "is '" + scaling + "', which MoEScope does not support");
    }
    c.attn_scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim_k));
    return c;
}

void plan_layers(ModelConfig& config, const std::function<bool(int layer)>& is_moe) {
    config.layers.assign(config.n_layer, LayerPlan{});
    if (config.n_expert == 0) return;
    for (int il = 0; il < config.n_layer; ++il)
        if (is_moe(il)) config.layers[il].ffn = config.n_ff_shared > 0 ? FfnKind::MoeShared : FfnKind::Moe;
}

namespace {

std::string block_kind(const LayerPlan& plan) {
    std::string s = plan.ffn == FfnKind::Dense ? "dense FFN" : plan.ffn == FfnKind::Moe ? "MoE" : "MoE + shared";
    switch (plan.attention) {
        case AttentionKind::Full: break;
        case AttentionKind::SlidingWindow: s += ", sliding window"; break;
        case AttentionKind::Chunked: s += ", chunked"; break;
        case AttentionKind::NoRope: s += ", no RoPE"; break;
    }
    return s;
}

}  // namespace

std::string describe_layer_plan(const ModelConfig& config) {
    std::vector<std::pair<std::string, int>> runs;  // (kind, consecutive blocks)
    for (const LayerPlan& plan : config.layers) {
        const std::string kind = block_kind(plan);
        if (!runs.empty() && runs.back().first == kind) ++runs.back().second;
        else runs.push_back({kind, 1});
    }
    auto join = [&](size_t begin, size_t end, const char* separator) {
        std::string s;
        for (size_t r = begin; r < end; ++r) {
            if (r > begin) s += separator;
            s += runs[r].first;
            if (runs[r].second > 1 || end - begin == 1) s += " ×" + std::to_string(runs[r].second);
        }
        return s;
    };
    // A unit of `unit` runs repeated to the end, after a head of 0 or 1 runs (leading dense blocks).
    for (size_t head = 0; head < 2 && head < runs.size(); ++head) {
        const size_t tail = runs.size() - head;
        for (size_t unit = 1; unit <= tail / 2; ++unit) {
            if (tail % unit != 0) continue;
            bool repeats = true;
            for (size_t r = head + unit; r < runs.size() && repeats; ++r) repeats = runs[r] == runs[r - unit];
            if (!repeats) continue;
            const std::string body = std::to_string(tail / unit) + " × (" + join(head, head + unit, "; ") + ")";
            return head == 0 ? body : join(0, head, "") + ", then " + body;
        }
    }
    return join(0, runs.size(), ", then ");
}

int ModelConfig::first_visible_position(int layer, int pos) const {
    switch (layers[layer].attention) {
        case AttentionKind::SlidingWindow: return std::max(0, pos - sliding_window + 1);
        case AttentionKind::Chunked: return pos - pos % attention_chunk;
        case AttentionKind::Full:
        case AttentionKind::NoRope: return 0;
    }
    return 0;
}

}  // namespace moe
