// `llama` with experts (Mixtral): interleaved rope on converter-permuted q/k, expert width =
// feed_forward_length, softmax top-k renormalised. Without experts it is a dense Llama.
#include "models/architectures.h"
#include "models/standard_attention.h"

namespace moe {

std::unique_ptr<Transformer> make_llama(std::shared_ptr<const gguf::GgufFile> file, ModelConfig c) {
    c.rope.style = ops::RopeStyle::Norm;
    c.moe.weights_norm = true;
    plan_layers(c, [](int) { return true; });
    c.n_ff_expert = c.n_ff_dense;
    return std::make_unique<StandardTransformer>(std::move(file), std::move(c));
}

}  // namespace moe
