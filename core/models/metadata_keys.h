// The one table of GGUF metadata keys the models read and `synth` writes (llama.cpp's
// LLM_KV_NAMES). Keys marked per-architecture are prefixed with general.architecture.
#pragma once

#include <string>
#include <string_view>

namespace moe {

enum class MetaKey {
    // general.*
    Architecture, Name, Description, QuantizationVersion,
    // <arch>.*
    ContextLength, EmbeddingLength, BlockCount, FeedForwardLength, VocabSize,
    HeadCount, HeadCountKv, KeyLength, ValueLength, RmsEpsilon,
    QLoraRank, KvLoraRank, KeyLengthMla, ValueLengthMla,
    ExpertCount, ExpertUsedCount, ExpertFeedForwardLength, ExpertSharedCount,
    ExpertSharedFeedForwardLength, LeadingDenseBlockCount, ExpertGroupCount, ExpertGroupUsedCount,
    ExpertWeightsScale, ExpertWeightsNorm, ExpertGatingFunc, InterleaveMoeLayerStep, NextnPredictLayers,
    RopeDimensionCount, RopeFreqBase, RopeScalingType, RopeScalingFactor, RopeScalingOrigContext,
    RopeYarnExtFactor, RopeYarnBetaFast, RopeYarnBetaSlow, RopeAttnFactor, RopeYarnLogMultiplier,
    RopeScalingFinetuned, AttentionScale, EmbeddingScale, ResidualScale, LogitScale,
    SlidingWindow, SlidingWindowPattern, RopeFreqBaseSwa,
};

// "deepseek2.block_count" for (BlockCount, "deepseek2"); general keys ignore `arch`.
std::string key_name(MetaKey key, std::string_view arch);

}  // namespace moe
