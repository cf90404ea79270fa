// Meta Llama 4 (`llama4`, Scout 17B-16E / Maverick 17B-128E), text part: interleaved rope with
// optional rope_freqs factors, MoE on every interleave_moe_layer_step-th block (dense FFN
// elsewhere) with a shared expert, top-k on the router logits, weights σ(logit) multiplied into
// the expert's input. Attention as llama.cpp runs it: chunks of 8192 positions on three blocks
// of four (attention.sliding_window_pattern), full attention without RoPE on the fourth, where
// q is scaled by the temperature tuning; q/k RMS-normalised without a gain after RoPE, except in
// the 128-expert model. A file written with sliding_window 0 has full attention everywhere and
// no RoPE on its last block only. Vision tensors (`v.*`, `mm.*`) are left in the file, unused.
#include <cstring>

#include "gguf/gguf_file.h"
#include "models/architectures.h"
#include "models/metadata_reader.h"
#include "models/standard_attention.h"

namespace moe {

namespace {

constexpr int kChunk = 8192;  // llama.cpp's fixed chunk, also the temperature floor

// rope_freqs.weight: one F32 factor per rotated pair (Llama 3-style rope scaling), if present.
std::vector<float> rope_freq_factors(const gguf::GgufFile& file, int n_rot) {
    const gguf::TensorInfo* t = file.find_tensor(tensor_name(TensorRole::RopeFreqs));
    if (!t) return {};
    if (t->type != GgmlType::F32 || t->n_elements() != n_rot / 2)
        throw EngineError(file.path() + ": rope_freqs.weight is " + type_name(t->type) + " " + t->shape_string() +
                          ", expected f32 [" + std::to_string(n_rot / 2) + "]");
    std::vector<float> factors(n_rot / 2);
    std::memcpy(factors.data(), t->data, factors.size() * sizeof(float));
    return factors;
}

}  // namespace

std::unique_ptr<Transformer> make_llama4(std::shared_ptr<const gguf::GgufFile> file, ModelConfig c) {
    const MetadataReader keys(*file, c.arch);
    c.rope.style = ops::RopeStyle::Norm;
    c.rope.freq_factors = rope_freq_factors(*file, c.rope.n_rot);
    if (c.n_expert == 0) keys.fail(MetaKey::ExpertCount, "is 0; llama4 needs experts");
    c.moe.gating = Gating::Sigmoid;
    c.moe.select_on_logits = true;
    c.moe.weight_before_expert = true;
    c.moe.weights_scale = keys.real(MetaKey::ExpertWeightsScale, 1.0f);
    if (c.moe.weights_scale == 0.0f) c.moe.weights_scale = 1.0f;
    c.n_expert_shared = 1;
    c.n_ff_shared = c.n_ff_expert;
    const float attention_scale = keys.real(MetaKey::AttentionScale, 0.0f);
    if (attention_scale != 0.0f) c.attn_scale = attention_scale;
    const int64_t step = keys.integer(MetaKey::InterleaveMoeLayerStep, 0, 1, c.n_layer, true);
    plan_layers(c, [&](int il) { return (il + 1) % step == 0; });

    const bool chunked = !(keys.has(MetaKey::SlidingWindow) && keys.integer(MetaKey::SlidingWindow, 0, 0, 1 << 30) == 0);
    if (!chunked) {
        c.layers.back().attention = AttentionKind::NoRope;  // llama.cpp: no-rope step = n_layer
    } else {
        c.attention_chunk = kChunk;
        c.attn_temp_scale = 0.1f;
        c.attn_temp_offset = 1.0f;
        c.attn_temp_floor = kChunk;
        if (keys.has(MetaKey::RopeFreqBaseSwa) && keys.real(MetaKey::RopeFreqBaseSwa, 0.0f) != c.rope.freq_base)
            keys.fail(MetaKey::RopeFreqBaseSwa, "differs from rope.freq_base, which MoEScope does not support");
        const int64_t period = keys.integer(MetaKey::SlidingWindowPattern, 4, 1, c.n_layer);
        constexpr int kNoRopeStep = 4;  // llama.cpp's default; the file has no key for it
        for (int il = 0; il < c.n_layer; ++il) {
            const bool chunk_layer = il % period < period - 1;
            const bool no_rope = (il + 1) % kNoRopeStep == 0;
            if (chunk_layer && no_rope)
                keys.fail(MetaKey::SlidingWindowPattern, "puts a chunked block where llama4 drops RoPE");
            c.layers[il].attention = chunk_layer ? AttentionKind::Chunked
                                     : no_rope   ? AttentionKind::NoRope
                                                 : AttentionKind::Full;
        }
    }
    if (c.n_expert != 128) c.qk_norm = QkNorm::PlainAfterRope;  // llama.cpp: all but Maverick
    return std::make_unique<StandardTransformer>(std::move(file), std::move(c));
}

}  // namespace moe
