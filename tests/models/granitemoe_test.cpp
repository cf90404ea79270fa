// Granite's multipliers, checked through what they must do to the logits of the tiny
// granitemoe model when its metadata is rewritten.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "engine/engine.h"
#include "model_files.h"

namespace moe {
namespace {

const std::vector<int32_t> kTokens = {1, 72, 101, 108, 108, 111};

// All positions' logits of the tiny granitemoe model with some multipliers replaced (0: off).
std::vector<float> logits_with(const std::string& name, const std::map<std::string, float>& multipliers) {
    const std::string path = test::rewrite_model(test::synth_model("granitemoe"), name, [&](gguf::GgufWriter& w, auto&) {
        for (const auto& [key, value] : multipliers) w.set("granitemoe." + key, gguf::Value::f32(value));
    });
    Session session(Model::load(path));
    return session.evaluate(kTokens, true);
}

TEST(GraniteMoe, LogitsAreDividedByTheLogitScale) {
    const auto scaled = logits_with("a.gguf", {});  // the preset: logit_scale 6
    const auto plain = logits_with("b.gguf", {{"logit_scale", 0.0f}});
    ASSERT_EQ(scaled.size(), plain.size());
    for (size_t v = 0; v < plain.size(); ++v) ASSERT_EQ(scaled[v], plain[v] * (1.0f / 6.0f)) << v;
}

TEST(GraniteMoe, AttentionScaleReplacesOneOverRootHeadSize) {
    // Head size 64: an explicit 1/8 is what the default gives; 1/16 must change the result.
    const auto explicit_default = logits_with("a.gguf", {{"attention.scale", 0.125f}});
    const auto implicit_default = logits_with("b.gguf", {{"attention.scale", 0.0f}});
    const auto other = logits_with("c.gguf", {{"attention.scale", 0.0625f}});
    EXPECT_EQ(explicit_default, implicit_default);
    EXPECT_NE(explicit_default, other);
}

TEST(GraniteMoe, EqualEmbeddingAndResidualScalesCancelThroughTheNorms) {
    // Embeddings × c and every branch × c make the residual stream c times the unscaled one
    // (each branch sees RMS-normalised input, so it is unchanged); the final norm removes c.
    const auto both = logits_with("a.gguf", {{"embedding_scale", 4.0f}, {"residual_scale", 4.0f}});
    const auto neither = logits_with("b.gguf", {{"embedding_scale", 0.0f}, {"residual_scale", 0.0f}});
    const auto embedding_only = logits_with("c.gguf", {{"embedding_scale", 4.0f}, {"residual_scale", 0.0f}});
    double largest = 0, largest_apart = 0;
    for (size_t v = 0; v < neither.size(); ++v) {
        largest = std::max(largest, static_cast<double>(std::fabs(both[v] - neither[v])));
        largest_apart = std::max(largest_apart, static_cast<double>(std::fabs(embedding_only[v] - neither[v])));
    }
    EXPECT_LT(largest, 1e-3);
    EXPECT_GT(largest_apart, 1e-2);
}

}  // namespace
}  // namespace moe
