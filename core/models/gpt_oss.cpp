// OpenAI gpt-oss (`gpt-oss`, gpt-oss-20b / 120b): biases on q/k/v/o, a learned sink logit per
// head in every attention softmax, sliding-window attention on the even blocks (a period of
// attention.sliding_window_pattern, 2 by default) and full attention on the others, NEOX rope
// with YaRN, post_attention_norm before the FFN, and MoE on every block: the router has a bias,
// the top-k are picked on its logits and weighted by a softmax over those k only, and every
// expert has biases and the clamped SwiGLU (α 1.702, limit 7, as llama.cpp's swiglu_oai).
#include "gguf/gguf_file.h"
#include "models/architectures.h"
#include "models/metadata_reader.h"
#include "models/standard_attention.h"

namespace moe {

std::unique_ptr<Transformer> make_gpt_oss(std::shared_ptr<const gguf::GgufFile> file, ModelConfig c) {
    const MetadataReader keys(*file, c.arch);
    c.rope.style = ops::RopeStyle::Neox;
    c.attn_bias = c.attn_out_bias = c.attn_sinks = true;
    c.ffn_norm = TensorRole::AttnPostNorm;
    c.moe.gating = Gating::SoftmaxTopK;
    c.moe.router_bias = c.moe.expert_biases = true;
    c.moe.activation = ExpertActivation::ClampedSwiglu;
    c.moe.swiglu_alpha = 1.702f;
    c.moe.swiglu_limit = 7.0f;
    c.moe.weights_scale = keys.real(MetaKey::ExpertWeightsScale, 1.0f);
    if (c.moe.weights_scale == 0.0f) c.moe.weights_scale = 1.0f;
    c.sliding_window = static_cast<int>(keys.integer(MetaKey::SlidingWindow, 0, 1, 1 << 24, true));
    if (keys.has(MetaKey::RopeFreqBaseSwa) && keys.real(MetaKey::RopeFreqBaseSwa, 0.0f) != c.rope.freq_base)
        keys.fail(MetaKey::RopeFreqBaseSwa, "differs from rope.freq_base, which MoEScope does not support");
    const int64_t period = keys.integer(MetaKey::SlidingWindowPattern, 2, 1, c.n_layer);
    plan_layers(c, [](int) { return true; });
    // llama.cpp's pattern: within each period, every block but the last slides.
    for (int il = 0; il < c.n_layer; ++il)
        if (il % period < period - 1) c.layers[il].attention = AttentionKind::SlidingWindow;
    return std::make_unique<StandardTransformer>(std::move(file), std::move(c));
}

}  // namespace moe
