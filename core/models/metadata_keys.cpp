#include "models/metadata_keys.h"

namespace moe {

namespace {

struct KeyPattern {
    MetaKey key;
    std::string_view suffix;  // after "<arch>." for per-architecture keys
    bool per_arch;
};

constexpr KeyPattern kKeys[] = {
    {MetaKey::Architecture, "general.architecture", false},
    {MetaKey::Name, "general.name", false},
    {MetaKey::Description, "general.description", false},
    {MetaKey::QuantizationVersion, "general.quantization_version", false},
    {MetaKey::ContextLength, "context_length", true},
    {MetaKey::EmbeddingLength, "embedding_length", true},
    {MetaKey::BlockCount, "block_count", true},
    {MetaKey::FeedForwardLength, "feed_forward_length", true},
    {MetaKey::VocabSize, "vocab_size", true},
    {MetaKey::HeadCount, "attention.head_count", true},
    {MetaKey::HeadCountKv, "attention.head_count_kv", true},
    {MetaKey::KeyLength, "attention.key_length", true},
    {MetaKey::ValueLength, "attention.value_length", true},
    {MetaKey::RmsEpsilon, "attention.layer_norm_rms_epsilon", true},
    {MetaKey::QLoraRank, "attention.q_lora_rank", true},
    {MetaKey::KvLoraRank, "attention.kv_lora_rank", true},
    {MetaKey::KeyLengthMla, "attention.key_length_mla", true},
    {MetaKey::ValueLengthMla, "attention.value_length_mla", true},
    {MetaKey::ExpertCount, "expert_count", true},
    {MetaKey::ExpertUsedCount, "expert_used_count", true},
    {MetaKey::ExpertFeedForwardLength, "expert_feed_forward_length", true},
    {MetaKey::ExpertSharedCount, "expert_shared_count", true},
    {MetaKey::ExpertSharedFeedForwardLength, "expert_shared_feed_forward_length", true},
    {MetaKey::LeadingDenseBlockCount, "leading_dense_block_count", true},
    {MetaKey::ExpertGroupCount, "expert_group_count", true},
    {MetaKey::ExpertGroupUsedCount, "expert_group_used_count", true},
    {MetaKey::ExpertWeightsScale, "expert_weights_scale", true},
    {MetaKey::ExpertWeightsNorm, "expert_weights_norm", true},
    {MetaKey::ExpertGatingFunc, "expert_gating_func", true},
    {MetaKey::InterleaveMoeLayerStep, "interleave_moe_layer_step", true},
    {MetaKey::NextnPredictLayers, "nextn_predict_layers", true},
    {MetaKey::RopeDimensionCount, "rope.dimension_count", true},
    {MetaKey::RopeFreqBase, "rope.freq_base", true},
    {MetaKey::RopeScalingType, "rope.scaling.type", true},
    {MetaKey::RopeScalingFactor, "rope.scaling.factor", true},
    {MetaKey::RopeScalingOrigContext, "rope.scaling.original_context_length", true},
    {MetaKey::RopeYarnExtFactor, "rope.scaling.yarn_ext_factor", true},
    {MetaKey::RopeYarnBetaFast, "rope.scaling.yarn_beta_fast", true},
    {MetaKey::RopeYarnBetaSlow, "rope.scaling.yarn_beta_slow", true},
    {MetaKey::RopeAttnFactor, "rope.scaling.attn_factor", true},
    {MetaKey::RopeYarnLogMultiplier, "rope.scaling.yarn_log_multiplier", true},
    {MetaKey::RopeScalingFinetuned, "rope.scaling.finetuned", true},
    {MetaKey::AttentionScale, "attention.scale", true},
    {MetaKey::EmbeddingScale, "embedding_scale", true},
    {MetaKey::ResidualScale, "residual_scale", true},
    {MetaKey::LogitScale, "logit_scale", true},
    {MetaKey::SlidingWindow, "attention.sliding_window", true},
    {MetaKey::SlidingWindowPattern, "attention.sliding_window_pattern", true},
    {MetaKey::RopeFreqBaseSwa, "rope.freq_base_swa", true},
};

}  // namespace

std::string key_name(MetaKey key, std::string_view arch) {
    for (const auto& entry : kKeys) {
        if (entry.key != key) continue;
        if (!entry.per_arch) return std::string(entry.suffix);
        return std::string(arch) + "." + std::string(entry.suffix);
    }
    return "unknown";
}

}  // namespace moe
