// OLMoE (`olmoe`): RMSNorm over the whole q and k projections before the head split, NEOX
// rope, expert width = feed_forward_length, softmax top-k without renormalisation.
#include "models/architectures.h"
#include "models/standard_attention.h"

namespace moe {

std::unique_ptr<Transformer> make_olmoe(std::shared_ptr<const gguf::GgufFile> file, ModelConfig c) {
    c.qk_norm = QkNorm::FullWidth;
    c.rope.style = ops::RopeStyle::Neox;
    c.n_ff_expert = c.n_ff_dense;
    plan_layers(c, [](int) { return true; });
    return std::make_unique<StandardTransformer>(std::move(file), std::move(c));
}

}  // namespace moe
