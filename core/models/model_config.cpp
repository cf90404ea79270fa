#include "models/model_config.h"

#include <cmath>

#include "models/model_options.h"
#include "gguf/gguf_file.h"

namespace moe {

namespace {

// Reads integer keys, accepting any integer type and per-layer arrays whose entries agree.
class KeyReader {
public:
    KeyReader(const gguf::GgufFile& file, std::string prefix) : file_(file), prefix_(std::move(prefix)) {}

    int64_t integer(const std::string& key, int64_t fallback, int64_t min, int64_t max, bool required = false) const {
        const std::string full = prefix_ + key;
        const gguf::Value* value = file_.find(full);
        if (!value) {
            if (required) fail(full, "is missing");
            return fallback;
        }
        int64_t v = 0;
        if (value->type == gguf::ValueType::ARRAY) {
            const auto& items = value->as_array().items;
            if (items.empty()) fail(full, "is an empty array");
            v = items[0].as_int();
            for (const auto& item : items)
                if (item.as_int() != v && item.as_int() != 0)
                    fail(full, "varies per layer, which MoEScope does not support");
        } else {
            v = value->as_int();
        }
        if (v < min || v > max)
            fail(full, "is " + std::to_string(v) + ", outside the range " + std::to_string(min) + ".." +
                           std::to_string(max));
        return v;
    }

    float real(const std::string& key, float fallback, bool required = false) const {
        const std::string full = prefix_ + key;
        auto v = file_.get_float(full);
        if (!v) {
            if (required) fail(full, "is missing");
            return fallback;
        }
        if (!std::isfinite(*v)) fail(full, "is not a finite number");
        return static_cast<float>(*v);
    }

    bool flag(const std::string& key, bool fallback) const { return file_.get_bool(prefix_ + key).value_or(fallback); }
    std::string text(const std::string& key, const std::string& fallback) const {
        return file_.get_string(prefix_ + key).value_or(fallback);
    }

    [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
        throw EngineError(file_.path() + ": metadata key '" + key + "' " + problem);
    }

private:
    const gguf::GgufFile& file_;
    std::string prefix_;
};

}  // namespace

ModelConfig read_common_config(const gguf::GgufFile& file) {
    ModelConfig c;
    auto arch = file.get_string("general.architecture");
    if (!arch) throw EngineError(file.path() + ": metadata key 'general.architecture' is missing");
    c.arch = *arch;
    KeyReader keys(file, c.arch + ".");

    c.n_layer = static_cast<int>(keys.integer("block_count", 0, 1, 1024, true));
    c.n_embd = static_cast<int>(keys.integer("embedding_length", 0, 1, 1 << 17, true));
    c.n_ctx_train = static_cast<int>(keys.integer("context_length", 4096, 1, 1 << 24));
    c.n_head = static_cast<int>(keys.integer("attention.head_count", 0, 1, 4096, true));
    c.n_head_kv = static_cast<int>(keys.integer("attention.head_count_kv", c.n_head, 1, c.n_head));
    if (c.n_head % c.n_head_kv != 0)
        keys.fail("attention.head_count_kv", "does not divide attention.head_count");
    c.head_dim_k = static_cast<int>(keys.integer("attention.key_length", c.n_embd / c.n_head, 1, 1 << 16));
    c.head_dim_v = static_cast<int>(keys.integer("attention.value_length", c.n_embd / c.n_head, 1, 1 << 16));
    c.rms_eps = keys.real("attention.layer_norm_rms_epsilon", 1e-6f);

    const int64_t token_count = static_cast<int64_t>(file.get_string_array("tokenizer.ggml.tokens").size());
    c.n_vocab = static_cast<int>(keys.integer("vocab_size", token_count, 1, 1 << 24));

    c.n_ff_dense = static_cast<int>(keys.integer("feed_forward_length", 0, 0, 1 << 20));
    c.n_expert = static_cast<int>(keys.integer("expert_count", 0, 0, 512));
    c.n_expert_used = static_cast<int>(keys.integer("expert_used_count", 0, 0, c.n_expert));
    if (c.n_expert > 0 && c.n_expert_used == 0) keys.fail("expert_used_count", "is 0 in a model with experts");
    c.n_ff_expert = static_cast<int>(keys.integer("expert_feed_forward_length", c.n_ff_dense, 0, 1 << 20));
    c.n_expert_shared = static_cast<int>(keys.integer("expert_shared_count", 0, 0, 64));
    c.n_leading_dense = static_cast<int>(keys.integer("leading_dense_block_count", 0, 0, c.n_layer));
    c.n_group = static_cast<int>(keys.integer("expert_group_count", 0, 0, 512));
    c.n_group_used = static_cast<int>(keys.integer("expert_group_used_count", 0, 0, c.n_group));
    if (c.n_group > 1) {
        if (c.n_expert % c.n_group != 0) keys.fail("expert_group_count", "does not divide expert_count");
        if (c.n_group_used == 0) keys.fail("expert_group_used_count", "is 0 while experts are grouped");
    }

    // RoPE (reference §3.2)
    c.rope.n_rot = static_cast<int>(keys.integer("rope.dimension_count", c.head_dim_k, 2, 1024));
    if (c.rope.n_rot % 2 != 0 || c.rope.n_rot > c.head_dim_k)
        keys.fail("rope.dimension_count", "must be even and at most the key head size " + std::to_string(c.head_dim_k));
    c.rope.freq_base = keys.real("rope.freq_base", 10000.0f);
    if (c.rope.freq_base <= 1.0f) keys.fail("rope.freq_base", "must be greater than 1");
    const std::string scaling = keys.text("rope.scaling.type", "none");
    const float factor = keys.real("rope.scaling.factor", 0.0f);
    if (scaling == "linear" && factor > 0) c.rope.freq_scale = 1.0f / factor;
    if (scaling == "yarn" && factor > 1) {
        c.rope.yarn = true;
        c.rope.freq_scale = 1.0f / factor;
        c.rope.yarn_orig_ctx = static_cast<int>(
            keys.integer("rope.scaling.original_context_length", c.n_ctx_train, 1, 1 << 24));
        c.rope.yarn_ext_factor = keys.real("rope.scaling.yarn_ext_factor", 1.0f);
        c.rope.yarn_beta_fast = keys.real("rope.scaling.yarn_beta_fast", 32.0f);
        c.rope.yarn_beta_slow = keys.real("rope.scaling.yarn_beta_slow", 1.0f);
        // Generic YaRN scales cos/sin; DeepSeek overrides this (its ratio of mscales is 1).
        c.rope.magnitude = keys.real("rope.scaling.attn_factor", 1.0f) * (1.0f + 0.1f * std::log(factor));
    } else if (scaling != "none" && scaling != "linear" && scaling != "yarn") {
        keys.fail("rope.scaling.type", "is '" + scaling + "', which MoEScope does not support");
    }
    c.attn_scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim_k));
    return c;
}

}  // namespace moe
