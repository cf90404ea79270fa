// The MoE feed-forward of one layer, in the manner of llama.cpp's build_moe_ffn: router (with
// optional bias), gating and selection (router.h), the picked experts with optional biases,
// activation and weight placement, and the shared expert with or without its gate. Which
// pieces run is the model's MoeSpec.
#pragma once

#include "models/transformer.h"

namespace moe {

// x: (n, n_embd) ffn_norm outputs; out: (n, n_embd). Appends each token's routing of this
// layer to request.traces when tracing.
void moe_ffn(const ModelConfig& config, const LayerWeights& w, int layer, const float* x, int n, float* out,
             const ForwardRequest& request);

// out = activation(gate, up) over n values; out may alias gate.
void expert_activation(const MoeSpec& spec, const float* gate, const float* up, float* out, int64_t n);

}  // namespace moe
