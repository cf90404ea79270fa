// What-if runs on the demo model: the causal check (nothing changes before the first token
// whose routing changed), identical overrides change nothing, and the compute saved by a top-k
// change worked out from the model's shapes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "engine/demo_model.h"
#include "evaluation/what_if.h"
#include "tokenizer/tokenizer.h"

namespace moe {
namespace {

std::shared_ptr<const Model> demo() {
    static const auto model = Model::load(demo_model_path());
    return model;
}

std::vector<int32_t> demo_tokens() {
    return demo()->tokenizer().encode("The secret of a happy life is to", true, false);
}

TEST(WhatIf, SameOverridesChangeNothing) {
    const auto tokens = demo_tokens();
    WhatIfOptions options;
    const WhatIfResult r = evaluate_what_if(demo(), tokens, options);
    ASSERT_EQ(r.tokens.size(), tokens.size() - 1);
    for (const WhatIfToken& t : r.tokens) {
        EXPECT_EQ(t.kl, 0.0);
        EXPECT_EQ(t.delta_logprob, 0.0);
        EXPECT_FALSE(t.greedy_changed());
        EXPECT_FALSE(t.routing_changed);
        EXPECT_EQ(t.flops_saved, 0.0);
    }
    EXPECT_EQ(r.summary.mean_kl, 0.0);
    EXPECT_EQ(r.summary.greedy_changed_share, 0.0);
    EXPECT_EQ(r.summary.first_routing_change, -1);
    EXPECT_FALSE(r.cancelled);
}

// The first position whose chosen set at MoE layer `moe_index` holds `expert`.
size_t first_routed_to(const std::vector<TokenTrace>& trace, size_t moe_index, int expert) {
    size_t t = 0;
    while (t < trace.size()) {
        const auto& set = trace[t].moe_layers[moe_index].experts;
        if (std::find(set.begin(), set.end(), expert) != set.end()) break;
        ++t;
    }
    return t;
}

TEST(WhatIf, DisablingTheRankZeroExpertChangesOnlyFromTheFirstAffectedToken) {
    const auto tokens = demo_tokens();
    WhatIfOptions options;
    const std::vector<TokenTrace> trace = evaluate_what_if(demo(), tokens, options).baseline_trace;
    // The token, MoE layer and rank-0 expert whose expert is first routed to latest, so the
    // causal check covers as many unchanged positions as this prompt allows.
    size_t chosen = 0, moe_index = 0, first_affected = 0;
    for (size_t m = 0; m < trace.front().moe_layers.size(); ++m)
        for (size_t t = 0; t < trace.size(); ++t) {
            const size_t first = first_routed_to(trace, m, trace[t].moe_layers[m].experts.front());
            if (first > first_affected) std::tie(chosen, moe_index, first_affected) = std::tuple(t, m, first);
        }
    ASSERT_GE(first_affected, 3u);
    const int layer = demo()->info().moe_layers[moe_index];
    const int expert = trace[chosen].moe_layers[moe_index].experts.front();

    options.what_if.disabled = {{layer, expert}};
    const WhatIfResult r = evaluate_what_if(demo(), tokens, options);
    EXPECT_EQ(r.summary.first_routing_change, static_cast<int>(first_affected));
    for (size_t i = 0; i < first_affected; ++i) {
        EXPECT_EQ(r.tokens[i].kl, 0.0) << "position " << i;
        EXPECT_EQ(r.tokens[i].delta_logprob, 0.0) << "position " << i;
        EXPECT_FALSE(r.tokens[i].routing_changed) << "position " << i;
    }
    EXPECT_GT(r.tokens[chosen].kl, 0.0);
    EXPECT_TRUE(r.tokens[chosen].routing_changed);
    const auto& set = r.what_if_trace[chosen].moe_layers[moe_index].experts;
    EXPECT_EQ(std::find(set.begin(), set.end(), expert), set.end());
    // Top-2 either way: the same work.
    EXPECT_EQ(r.summary.flops_saved, 0.0);
    EXPECT_GT(r.summary.mean_kl, 0.0);
}

TEST(WhatIf, TopOneSavesOneExpertPerMoeLayer) {
    const auto tokens = demo_tokens();
    WhatIfOptions options;
    options.what_if.top_k = 1;
    const WhatIfResult r = evaluate_what_if(demo(), tokens, options);
    // The demo model: 4 MoE layers, experts of width 128 over a hidden size of 128, F16.
    // One expert: gate, up, down = 3 matrices of 128 × 128: 2 · 3 · 128 · 128 = 98304 FLOPs
    // and 3 · 128 · 128 · 2 bytes = 98304 bytes; top-2 → top-1 drops one per MoE layer.
    ASSERT_EQ(demo()->info().moe_layers.size(), 4u);
    for (const WhatIfToken& t : r.tokens) {
        EXPECT_DOUBLE_EQ(t.flops_saved, 4 * 98304.0);
        EXPECT_DOUBLE_EQ(t.weight_bytes_saved, 4 * 98304.0);
        EXPECT_TRUE(t.routing_changed);
    }
    EXPECT_DOUBLE_EQ(r.summary.flops_saved, 4 * 98304.0 * static_cast<double>(r.tokens.size()));
    EXPECT_GT(r.tokens.front().kl, 0.0);
}

TEST(WhatIf, KlAndDeltaOfHandMadeLogits) {
    // P = softmax(0, ln 3) = (1/4, 3/4); Q = softmax(ln 3, 0) = (3/4, 1/4).
    const float p[] = {0.0f, std::log(3.0f)};
    const float q[] = {std::log(3.0f), 0.0f};
    WhatIfToken t;
    t.target = 1;
    compare_next_token(p, q, 2, t);
    // KL = 1/4 ln(1/3) + 3/4 ln 3 = ln 3 / 2.
    EXPECT_NEAR(t.kl, std::log(3.0) / 2, 1e-7);
    EXPECT_NEAR(t.delta_logprob, std::log(0.25) - std::log(0.75), 1e-7);
    EXPECT_EQ(t.greedy_baseline, 1);
    EXPECT_EQ(t.greedy_what_if, 0);
    EXPECT_TRUE(t.greedy_changed());
}

TEST(WhatIf, ProgressStopKeepsThePositionsDone) {
    const auto tokens = demo_tokens();
    ASSERT_GT(tokens.size(), 5u);
    WhatIfOptions options;
    options.what_if.top_k = 1;
    options.progress = [](int done, int) { return done < 4; };
    const WhatIfResult r = evaluate_what_if(demo(), tokens, options);
    EXPECT_TRUE(r.cancelled);
    EXPECT_EQ(r.tokens.size(), 4u);
    EXPECT_EQ(r.what_if_trace.size(), 4u);
    EXPECT_EQ(r.summary.tokens, 4);
}

TEST(WhatIf, RejectsTooFewTokensAndForeignIds) {
    WhatIfOptions options;
    EXPECT_THROW(evaluate_what_if(demo(), {1}, options), EngineError);
    EXPECT_THROW(evaluate_what_if(demo(), {1, 8192}, options), EngineError);
}

}  // namespace
}  // namespace moe
