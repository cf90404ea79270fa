// Deterministic made-up traces of any size, for the GUI benchmark and the widget tests that
// must not depend on a model (e.g. 4096 tokens × 27 layers × 64 experts).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/engine.h"

namespace moe::gui {

struct SyntheticShape {
    int n_layer = 27;
    int n_leading_dense = 1;
    int n_expert = 64;
    int n_expert_used = 6;
    int n_expert_shared = 2;
    int prompt_tokens = 32;
    uint32_t seed = 1;
};

moe::ModelInfo syntheticModelInfo(const SyntheticShape& shape);
// Tokens [first, first + count) of a run whose first prompt_tokens are the prompt.
std::vector<moe::TokenTrace> syntheticTokens(const SyntheticShape& shape, int first, int count);

}  // namespace moe::gui
