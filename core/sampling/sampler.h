// Picks the next token from logits: greedy, or temperature / top-k / top-p with a seeded RNG.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "sampling/sampling_params.h"

namespace moe {

class Sampler {
public:
    explicit Sampler(const SamplingParams& params) : params_(params), rng_(params.seed) {}
    int32_t sample(const float* logits, int n_vocab);

private:
    SamplingParams params_;
    std::mt19937_64 rng_;
    std::vector<std::pair<float, int32_t>> candidates_;
};

// Index of the largest logit; ties go to the lowest token id.
int32_t argmax(const float* logits, int n_vocab);

}  // namespace moe
