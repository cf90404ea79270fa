// What-if runs: the tokens of a baseline run evaluated again, teacher-forced, under other
// routing overrides (top-k, dense, disabled experts), and compared position by position with
// the same tokens evaluated under the baseline's own overrides.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "engine/engine.h"

namespace moe {

struct WhatIfOptions {
    RoutingOverrides baseline;  // the overrides the baseline run used (usually none)
    RoutingOverrides what_if;
    int n_prompt = 0;           // leading tokens marked is_prompt in the traces
    int n_threads = 0;          // 0: all cores
    // Called after every position with (positions done, positions in all); return false to stop.
    std::function<bool(int done, int total)> progress;
};

// One evaluated position: the distributions over the token at pos + 1.
struct WhatIfToken {
    int pos = 0;
    int32_t token_id = 0;       // the input at pos
    int32_t target = 0;         // the baseline's token at pos + 1
    double kl = 0;              // KL(P_baseline ‖ P_what-if) in nats
    double delta_logprob = 0;   // log P_what-if(target) − log P_baseline(target)
    int32_t greedy_baseline = 0, greedy_what_if = 0;  // argmax, ties to the lower id
    bool routing_changed = false;  // some MoE layer chose other experts than the baseline
    // The baseline's work minus the what-if's (negative when the what-if runs more experts).
    double flops_saved = 0, weight_bytes_saved = 0;
    double flops_baseline = 0, weight_bytes_baseline = 0;  // the baseline's work at this position
    bool greedy_changed() const { return greedy_baseline != greedy_what_if; }
};

struct WhatIfSummary {
    int tokens = 0;
    double mean_kl = 0;
    double greedy_changed_share = 0;
    double flops_baseline = 0, flops_saved = 0;  // sums over the positions
    double weight_bytes_baseline = 0, weight_bytes_saved = 0;
    int first_routing_change = -1;  // index of the first position whose routing changed, -1 none
};

struct WhatIfResult {
    std::vector<WhatIfToken> tokens;
    std::vector<TokenTrace> baseline_trace, what_if_trace;  // one per position, as evaluated
    WhatIfSummary summary;
    bool cancelled = false;  // the positions done are kept
};

// Evaluates tokens[0 .. n−2] (each predicting the next) twice in two fresh sessions of the
// model, one position at a time as generation decodes: batched expert matmuls round with the
// rows they hold, so in a batch a later token's new routing would perturb earlier positions.
// One at a time, every position before the first routing change is bit-identical. Throws EngineError for fewer than two tokens or an id outside the
// vocabulary. `cancel` is checked at least once per layer.
WhatIfResult evaluate_what_if(const std::shared_ptr<const Model>& model, const std::vector<int32_t>& tokens,
                              const WhatIfOptions& options, const std::atomic<bool>* cancel = nullptr);

WhatIfSummary summarize_what_if(const std::vector<WhatIfToken>& tokens);

// Per-position statistics of two rows of logits over n_vocab tokens.
void compare_next_token(const float* baseline, const float* what_if, int n_vocab, WhatIfToken& out);

}  // namespace moe
