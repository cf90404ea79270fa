// The perplexity arithmetic on values small enough to check by hand, and the chunking.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/demo_model.h"
#include "evaluation/perplexity.h"

namespace moe {
namespace {

TEST(Perplexity, TokenNllIsMinusLogSoftmax) {
    // softmax(0, ln 3) = (1/4, 3/4): the second token costs ln(4/3), the first ln 4.
    const float logits[2] = {0.0f, std::log(3.0f)};
    EXPECT_NEAR(token_nll(logits, 2, 1), std::log(4.0 / 3.0), 1e-7);
    EXPECT_NEAR(token_nll(logits, 2, 0), std::log(4.0), 1e-7);
    // Uniform over 8: ln 8 whatever the shared offset.
    const float flat[8] = {5, 5, 5, 5, 5, 5, 5, 5};
    EXPECT_NEAR(token_nll(flat, 8, 3), std::log(8.0), 1e-12);
}

TEST(Perplexity, EstimateAndStandardErrorByHand) {
    // NLLs 1, 2, 3: mean 2, PPL e^2; mean of squares 14/3, variance 14/3 - 4 = 2/3;
    // SE = e^2 * sqrt((2/3) / (3 - 1)) = e^2 / sqrt(3).
    NllAccumulator nll;
    nll.add(1);
    nll.add(2);
    nll.add(3);
    EXPECT_EQ(nll.count(), 3);
    EXPECT_NEAR(nll.perplexity(), std::exp(2.0), 1e-12);
    EXPECT_NEAR(nll.standard_error(), std::exp(2.0) / std::sqrt(3.0), 1e-12);
    NllAccumulator one;
    one.add(0.5);
    EXPECT_NEAR(one.perplexity(), std::exp(0.5), 1e-12);
    EXPECT_EQ(one.standard_error(), 0.0);
}

TEST(Perplexity, ScoresTheSecondHalfOfEveryWholeChunk) {
    const auto model = Model::load(demo_model_path());
    SessionOptions options;
    options.n_ctx = 16;
    Session session(model, options);
    std::vector<int32_t> tokens(40);
    for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = static_cast<int32_t>(100 + 7 * i);
    PerplexityOptions request;
    request.n_ctx = 16;
    const PerplexityResult r = compute_perplexity(session, tokens, request);
    // 40 tokens hold 2 chunks of 16; each scores positions 9..15 (predicted at 8..14): 7 tokens.
    EXPECT_EQ(r.chunks, 2);
    EXPECT_EQ(r.nll.count(), 14);
    EXPECT_GT(r.flops_dense, r.flops_used);

    tokens.resize(31);
    try {
        compute_perplexity(session, tokens, request);
        FAIL() << "31 tokens are fewer than two chunks";
    } catch (const EngineError& e) {
        EXPECT_STREQ(e.what(), "the text has 31 tokens; perplexity with a context of 16 needs at least 32");
    }
}

}  // namespace
}  // namespace moe
