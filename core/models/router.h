// Expert selection for one token in one MoE layer (reference §3.5, llama.cpp's build_moe_ffn).
#pragma once

#include <vector>

#include "models/model_config.h"

namespace moe {

struct RouterParams {
    Gating gating = Gating::Softmax;
    bool select_on_logits = false;   // rank raw logits instead of the gated values (llama4)
    int n_expert = 0;
    int k = 0;                       // experts to pick (n_expert in dense mode)
    bool normalize = false;          // w ← w / Σ w over the picks
    float scale = 1.0f;              // w ← w · scale
    int n_group = 0, n_group_used = 0;
    const float* selection_bias = nullptr;        // (n_expert) or null
    const std::vector<bool>* disabled = nullptr;  // (n_expert) experts never picked, or null
};

struct RoutingDecision {
    std::vector<float> probs;    // (n_expert) gated values; SoftmaxTopK: softmax over all experts
    std::vector<float> scores;   // (n_expert) selection scores, -inf where masked
    std::vector<int> experts;    // (k) by descending score, ties to the lower id
    std::vector<float> weights;  // (k)
};

// logits: (n_expert) router outputs W_r·x.
void route(const float* logits, const RouterParams& params, RoutingDecision& out);

}  // namespace moe
