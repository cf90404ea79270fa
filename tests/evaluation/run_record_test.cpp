// Run records: a demo generation recorded, compared with itself, and a what-if of it; the
// checks a session file's history goes through.
#include <gtest/gtest.h>

#include <set>

#include "analysis/run_comparison.h"
#include "engine/demo_model.h"
#include "evaluation/run_record.h"

namespace moe {
namespace {

std::shared_ptr<const Model> demo() {
    static const auto model = Model::load(demo_model_path());
    return model;
}

RunRecord demo_generation() {
    Session session(demo());
    GenerationRequest request;
    request.prompt = "17+25=";
    request.max_new_tokens = 4;
    request.stop_at_eos = false;
    std::vector<TokenTrace> traces;
    GenerationEvents events;
    events.on_trace = [&](const TokenTrace& t) { traces.push_back(t); };
    const GenerationResult result = session.generate(request, events);
    std::vector<int32_t> tokens = result.prompt_tokens;
    tokens.insert(tokens.end(), result.generated_tokens.begin(), result.generated_tokens.end());
    RunRecord run = record_generation(demo()->info(), request, tokens, static_cast<int>(result.prompt_tokens.size()),
                                      chosen_experts(traces));
    name_tokens(run, demo()->tokenizer());
    return run;
}

TEST(RunRecord, GenerationKeepsTheRequestAndOneRoutingRowPerEvaluatedToken) {
    const RunRecord run = demo_generation();
    EXPECT_EQ(run.kind, RunKind::Generation);
    EXPECT_EQ(run.prompt, "17+25=");
    EXPECT_EQ(run.model_path, demo_model_path());
    // The last generated token is never evaluated.
    EXPECT_EQ(run.routing.token_count(), run.tokens.size() - 1);
    EXPECT_EQ(run.tokens.size(), static_cast<size_t>(run.n_prompt) + 4);
    EXPECT_EQ(run.routing.layers, demo()->info().moe_layers);
    EXPECT_TRUE(run.routing.probs.empty());
    EXPECT_EQ(run.texts.at(run.tokens.front()), "<s>");
    EXPECT_EQ(run.texts.size(), std::set<int32_t>(run.tokens.begin(), run.tokens.end()).size());
    EXPECT_NO_THROW(check_run_record(run, 0));
}

TEST(RunRecord, ARunComparedWithItselfAgreesEverywhere) {
    const RunRecord run = demo_generation();
    const analysis::RunComparison c = analysis::compare_runs(run.routing, run.routing);
    EXPECT_FALSE(c.diverged);
    ASSERT_EQ(c.layers.size(), 4u);
    for (const analysis::LayerAgreement& l : c.layers) {
        EXPECT_EQ(l.set_agreement, 1.0);
        EXPECT_EQ(l.top1_agreement, 1.0);
        EXPECT_EQ(l.jaccard, 1.0);
    }
}

TEST(RunRecord, WhatIfOfAGenerationRoutesTheSameTokensUnderItsOverrides) {
    const RunRecord baseline = demo_generation();
    WhatIfOptions options;
    options.what_if.top_k = 1;
    const WhatIfResult result = evaluate_what_if(demo(), baseline.tokens, options);
    const RunRecord run = record_what_if(baseline, 0, options.what_if, result);
    EXPECT_EQ(run.kind, RunKind::WhatIf);
    EXPECT_EQ(run.baseline, 0);
    EXPECT_EQ(run.tokens, baseline.tokens);
    EXPECT_EQ(run.what_if.size(), run.routing.token_count());
    EXPECT_EQ(run.routing.max_k, 1);
    EXPECT_NO_THROW(check_run_record(run, 1));
    EXPECT_THROW(check_run_record(run, 0), std::invalid_argument);  // its baseline must come first
    // Same tokens: no divergence, and the comparison covers every row.
    const analysis::RunComparison c = analysis::compare_runs(baseline.routing, run.routing);
    EXPECT_FALSE(c.diverged);
    EXPECT_EQ(c.tokens_compared, static_cast<int64_t>(run.routing.token_count()));
}

TEST(RunRecord, ChecksNameTheInconsistency) {
    RunRecord run = demo_generation();
    RunRecord bad = run;
    bad.n_prompt = static_cast<int>(run.tokens.size()) + 1;
    EXPECT_THROW(check_run_record(bad, 0), std::invalid_argument);
    bad = run;
    bad.tokens[1] += 1;
    try {
        check_run_record(bad, 2);
        FAIL() << "no throw";
    } catch (const std::invalid_argument& e) {
        EXPECT_EQ(std::string(e.what()).rfind("run 3: routing row 1 evaluates token", 0), 0u) << e.what();
    }
    bad = run;
    bad.tokens.resize(2);
    EXPECT_THROW(check_run_record(bad, 0), std::invalid_argument);
    bad = run;
    bad.routing.experts[0] = 99;
    EXPECT_THROW(check_run_record(bad, 0), std::invalid_argument);
}

TEST(RunRecord, DescribeOverrides) {
    RoutingOverrides o;
    EXPECT_EQ(describe_overrides(o), "model routing");
    o.top_k = 1;
    EXPECT_EQ(describe_overrides(o), "top-1");
    o.disabled = {{3, 5}, {1, 5}};
    EXPECT_EQ(describe_overrides(o), "top-1, 2 disabled (1:5, 3:5)");
    o = {};
    o.dense = true;
    EXPECT_EQ(describe_overrides(o), "dense");
}

}  // namespace
}  // namespace moe
