// How the next token is picked from the logits (see Sampler).
#pragma once

#include <cstdint>

namespace moe {

struct SamplingParams {
    float temperature = 0.0f;  // 0: greedy, ties to the lowest token id
    int top_k = 0;             // 0: off
    float top_p = 1.0f;        // 1: off
    uint64_t seed = 0;
};

}  // namespace moe
