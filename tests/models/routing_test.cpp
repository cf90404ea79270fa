// The routing trace's contents and the routing overrides, on self-built models.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <thread>

#include "engine/engine.h"
#include "model_files.h"
#include "models/router.h"
#include "support/test_support.h"
#include "tokenizer/tokenizer.h"

namespace moe {
namespace {

using test::RecordingObserver;

const std::vector<int32_t> kTokens = {1, 84, 104, 101, 32, 99, 97, 116};

std::vector<TokenTrace> trace_of(const std::shared_ptr<const Model>& model, const RoutingOverrides& overrides = {}) {
    Session session(model);
    RecordingObserver observer;
    session.evaluate(kTokens, false, &observer, overrides);
    return observer.traces;
}

TEST(RouterTest, SoftmaxTopKWithRenormAndScale) {
    const float logits[4] = {1.0f, 3.0f, 2.0f, 0.0f};
    RouterParams p;
    p.n_expert = 4;
    p.k = 2;
    p.normalize = true;
    p.scale = 2.0f;
    RoutingDecision d;
    route(logits, p, d);
    const double z = std::exp(1.0) + std::exp(3.0) + std::exp(2.0) + std::exp(0.0);
    EXPECT_NEAR(d.probs[1], std::exp(3.0) / z, 1e-6);
    EXPECT_EQ(d.experts, (std::vector<int>{1, 2}));
    const double w1 = std::exp(3.0) / (std::exp(3.0) + std::exp(2.0));
    EXPECT_NEAR(d.weights[0], 2.0 * w1, 1e-6);
    EXPECT_NEAR(d.weights[1], 2.0 * (1.0 - w1), 1e-6);
}

TEST(RouterTest, SigmoidGroupsAndBiasSelectButDoNotWeight) {
    // 4 groups of 2; keep the 2 groups whose two scores sum highest.
    const float logits[8] = {0.0f, 0.1f, 2.0f, -3.0f, 1.0f, 1.0f, -1.0f, -2.0f};
    const float bias[8] = {0.5f, 0.5f, 0, 0, 0, 0, 0, 0};
    RouterParams p;
    p.gating = Gating::Sigmoid;
    p.n_expert = 8;
    p.k = 3;
    p.n_group = 4;
    p.n_group_used = 2;
    p.selection_bias = bias;
    RoutingDecision d;
    route(logits, p, d);
    auto sig = [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
    // group sums: g0 = σ(0)+.5 + σ(.1)+.5 = 2.025, g1 = σ(2)+σ(-3) = 0.928, g2 = 2σ(1) = 1.462, g3 = 0.388
    EXPECT_TRUE(std::isinf(d.scores[2]) && std::isinf(d.scores[3]) && std::isinf(d.scores[6]));
    EXPECT_EQ(d.experts, (std::vector<int>{1, 0, 4}));  // 0.525+0.5, 0.5+0.5, then 4 before 5 (tie -> lower id)
    EXPECT_NEAR(d.weights[0], sig(0.1), 1e-6);        // unbiased
    EXPECT_NEAR(d.scores[1], sig(0.1) + 0.5, 1e-6);
}

TEST(RouterTest, DisabledExpertsAreNeverPicked) {
    const float logits[4] = {5.0f, 4.0f, 3.0f, 2.0f};
    std::vector<bool> disabled = {true, false, false, false};
    RouterParams p;
    p.n_expert = 4;
    p.k = 2;
    p.disabled = &disabled;
    RoutingDecision d;
    route(logits, p, d);
    EXPECT_EQ(d.experts, (std::vector<int>{1, 2}));
}

TEST(RoutingTrace, FieldsAreConsistentWithTheModel) {
    const auto model = Model::load(test::synth_model("deepseek2"));
    const auto traces = trace_of(model);
    ASSERT_EQ(traces.size(), kTokens.size());
    const ModelInfo& info = model->info();
    for (size_t i = 0; i < traces.size(); ++i) {
        const TokenTrace& t = traces[i];
        EXPECT_EQ(t.step, static_cast<int>(i));
        EXPECT_EQ(t.pos, static_cast<int>(i));
        EXPECT_EQ(t.token_id, kTokens[i]);
        EXPECT_EQ(t.layer_time_ms.size(), static_cast<size_t>(info.n_layer));
        ASSERT_EQ(t.moe_layers.size(), info.moe_layers.size());
        EXPECT_LT(t.flops_used, t.flops_dense);
        EXPECT_LT(t.weight_bytes_used, t.weight_bytes_dense);
        for (size_t l = 0; l < t.moe_layers.size(); ++l) {
            const LayerRouting& r = t.moe_layers[l];
            EXPECT_EQ(r.layer, info.moe_layers[l]);
            ASSERT_EQ(r.probs.size(), static_cast<size_t>(info.n_expert));
            EXPECT_NEAR(std::accumulate(r.probs.begin(), r.probs.end(), 0.0), 1.0, 1e-5);
            ASSERT_EQ(r.experts.size(), static_cast<size_t>(info.n_expert_used));
            for (size_t k = 0; k < r.experts.size(); ++k) {
                EXPECT_FLOAT_EQ(r.weights[k], r.probs[r.experts[k]] * info.weights_scale);  // no renorm in this preset
                if (k > 0) {
                    EXPECT_GE(r.scores[r.experts[k - 1]], r.scores[r.experts[k]]);
                }
            }
            for (int e = 0; e < info.n_expert; ++e) {  // nobody left out scores above the last pick
                if (std::find(r.experts.begin(), r.experts.end(), e) == r.experts.end()) {
                    EXPECT_LE(r.scores[e], r.scores[r.experts.back()]);
                }
            }
            EXPECT_TRUE(std::isnan(r.shared_gate));
        }
    }
}

TEST(RoutingTrace, Qwen2SharedGateIsReported) {
    const auto model = Model::load(test::synth_model("qwen2moe"));
    const auto traces = trace_of(model);
    ASSERT_EQ(traces.size(), kTokens.size());
    for (const auto& t : traces) {
        ASSERT_EQ(t.moe_layers.size(), model->info().moe_layers.size());
        ASSERT_FALSE(t.moe_layers.empty());
        for (const auto& r : t.moe_layers) {
            EXPECT_GT(r.shared_gate, 0.0f);
            EXPECT_LT(r.shared_gate, 1.0f);
        }
    }
}

TEST(RoutingOverrides, TopKDisabledAndDense) {
    const auto model = Model::load(test::synth_model("olmoe"));
    const int E = model->info().n_expert;

    const size_t n_moe = model->info().moe_layers.size();
    ASSERT_GE(n_moe, 2u);
    // Every run below must trace all tokens and MoE layers, or its loops would check nothing.
    auto traced = [&](const RoutingOverrides& overrides) {
        auto traces = trace_of(model, overrides);
        EXPECT_EQ(traces.size(), kTokens.size());
        for (const auto& t : traces) EXPECT_EQ(t.moe_layers.size(), n_moe);
        return traces;
    };

    RoutingOverrides top4;
    top4.top_k = 4;
    for (const auto& t : traced(top4))
        for (const auto& r : t.moe_layers) EXPECT_EQ(r.experts.size(), 4u);

    const auto normal = traced({});
    ASSERT_EQ(normal.size(), kTokens.size());
    ASSERT_EQ(normal[3].moe_layers.size(), n_moe);
    const int favourite = normal[3].moe_layers[1].experts[0];
    RoutingOverrides disabled;
    disabled.disabled.insert({model->info().moe_layers[1], favourite});
    for (const auto& t : traced(disabled)) {
        const auto& experts = t.moe_layers[1].experts;
        EXPECT_EQ(std::count(experts.begin(), experts.end(), favourite), 0);
    }

    RoutingOverrides dense;
    dense.dense = true;
    for (const auto& t : traced(dense)) {
        EXPECT_DOUBLE_EQ(t.flops_used, t.flops_dense);
        for (const auto& r : t.moe_layers) {
            ASSERT_EQ(static_cast<int>(r.experts.size()), E);
            EXPECT_NEAR(std::accumulate(r.weights.begin(), r.weights.end(), 0.0), 1.0, 1e-5);  // olmoe: no renorm
        }
    }
}

TEST(Generation, GreedyIsDeterministicAndSamplingFollowsTheSeed) {
    const auto model = Model::load(test::synth_model("qwen3moe"));
    Session session(model);
    GenerationRequest request = test::greedy_request("Hello", 8);
    const auto a = session.generate(request, {});
    const auto b = session.generate(request, {});
    EXPECT_EQ(a.generated_tokens, b.generated_tokens);
    EXPECT_EQ(a.generated_tokens.size(), 8u);
    EXPECT_EQ(a.prompt_tokens.front(), 1);  // BOS from the file's add_bos_token

    request.sampling.temperature = 1.5f;
    request.sampling.top_k = 50;
    request.sampling.top_p = 0.95f;
    request.sampling.seed = 42;
    const auto c = session.generate(request, {});
    const auto d = session.generate(request, {});
    EXPECT_EQ(c.generated_tokens, d.generated_tokens);
    request.sampling.seed = 43;
    const auto e = session.generate(request, {});
    EXPECT_NE(c.generated_tokens, e.generated_tokens);
}

TEST(Generation, TraceCoversPromptAndAllButTheLastToken) {
    const auto model = Model::load(test::synth_model("llama"));
    Session session(model);
    GenerationRequest request = test::greedy_request("abc", 5);
    std::vector<TokenTrace> traces;
    GenerationEvents events;
    events.on_trace = [&](const TokenTrace& t) { traces.push_back(t); };
    std::string streamed;
    events.on_text = [&](const std::string& s) { streamed += s; };
    const auto result = session.generate(request, events);
    ASSERT_EQ(traces.size(), result.prompt_tokens.size() + result.generated_tokens.size() - 1);
    for (size_t i = 0; i < traces.size(); ++i) {
        EXPECT_EQ(traces[i].is_prompt, i < result.prompt_tokens.size());
        const int32_t expected = i < result.prompt_tokens.size() ? result.prompt_tokens[i]
                                                                 : result.generated_tokens[i - result.prompt_tokens.size()];
        EXPECT_EQ(traces[i].token_id, expected);
    }
    EXPECT_EQ(streamed, result.text);
}

TEST(Generation, PromptLongerThanContextIsAClearError) {
    const auto model = Model::load(test::synth_model("deepseek2"));
    SessionOptions options;
    options.n_ctx = 16;
    Session session(model, options);
    GenerationRequest request;
    request.prompt = std::string(40, 'x');
    request.max_new_tokens = 4;
    try {
        session.generate(request, {});
        FAIL() << "expected an error";
    } catch (const EngineError& e) {
        EXPECT_NE(std::string(e.what()).find("context holds 16"), std::string::npos) << e.what();
    }
}

TEST(Generation, StopAtContextEndGeneratesWhatTheContextLeaves) {
    const auto model = Model::load(test::synth_model("deepseek2"));
    SessionOptions options;
    options.n_ctx = 16;
    Session session(model, options);
    GenerationRequest request;
    request.prompt = "ab";
    request.max_new_tokens = 100;
    request.stop_at_eos = false;
    request.stop_at_context_end = true;
    const GenerationResult result = session.generate(request, {});
    // 16 positions: the prompt's and 16 - prompt new tokens (the last one is sampled, never evaluated).
    EXPECT_EQ(result.prompt_tokens.size() + result.generated_tokens.size(), 16u);
    EXPECT_TRUE(result.stopped_at_context_end);

    request.max_new_tokens = 3;
    const GenerationResult fits = session.generate(request, {});
    EXPECT_EQ(fits.generated_tokens.size(), 3u);
    EXPECT_FALSE(fits.stopped_at_context_end);

    request.prompt = std::string(40, 'x');
    EXPECT_THROW(session.generate(request, {}), EngineError);  // the prompt itself must fit
}

TEST(Generation, CancelStopsWithinALayer) {
    const auto model = Model::load(test::synth_model("deepseek2"));
    Session session(model);
    GenerationRequest request = test::greedy_request("cancel me", 400);
    std::atomic<bool> cancel{false};
    GenerationEvents events;
    int traced = 0;
    events.on_trace = [&](const TokenTrace&) {
        if (++traced == 15) cancel = true;
    };
    const auto result = session.generate(request, events, &cancel);
    EXPECT_TRUE(result.cancelled);
    EXPECT_LT(result.generated_tokens.size(), 10u);

    cancel = true;  // already set before the run: nothing is evaluated
    traced = 0;
    const auto none = session.generate(request, events, &cancel);
    EXPECT_TRUE(none.cancelled);
    EXPECT_EQ(traced, 0);
}

}  // namespace
}  // namespace moe

namespace moe {
namespace {

TEST(Generation, ContinuationKeepsTheLeadingSpaceOfTheFirstToken) {
    const auto model = Model::load(test::synth_model("llama"));  // SentencePiece-style vocabulary
    const Tokenizer& tokenizer = model->tokenizer();
    const int32_t space = 3 + ' ';  // <0x20>
    StreamingDecoder at_start(tokenizer, true), continuing(tokenizer, false);
    EXPECT_EQ(at_start.push(space), "");
    EXPECT_EQ(continuing.push(space), " ");
}

}  // namespace
}  // namespace moe
