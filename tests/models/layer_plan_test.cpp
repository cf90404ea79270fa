// describe_layer_plan: runs of equal blocks and repeating units folded, as the model card and
// `info` show them.
#include <gtest/gtest.h>

#include "models/model_config.h"

namespace moe {
namespace {

ModelConfig plan_of(const std::vector<LayerPlan>& layers) {
    ModelConfig c;
    c.layers = layers;
    c.n_layer = static_cast<int>(layers.size());
    return c;
}

TEST(LayerPlan, AlternatingWindowAndFullFoldIntoOneUnit) {  // gpt-oss-20b
    std::vector<LayerPlan> layers;
    for (int il = 0; il < 24; ++il)
        layers.push_back({FfnKind::Moe, il % 2 == 0 ? AttentionKind::SlidingWindow : AttentionKind::Full});
    EXPECT_EQ(describe_layer_plan(plan_of(layers)), "12 × (MoE, sliding window; MoE)");
}

TEST(LayerPlan, LeadingDenseBlocksThenOneRun) {  // DeepSeek-V3
    std::vector<LayerPlan> layers(3, {FfnKind::Dense, AttentionKind::Full});
    layers.resize(61, {FfnKind::MoeShared, AttentionKind::Full});
    EXPECT_EQ(describe_layer_plan(plan_of(layers)), "dense FFN ×3, then MoE + shared ×58");
}

TEST(LayerPlan, ThreeChunkedThenOneWithoutRope) {  // Llama 4 Scout
    std::vector<LayerPlan> layers;
    for (int il = 0; il < 48; ++il)
        layers.push_back({FfnKind::MoeShared, il % 4 == 3 ? AttentionKind::NoRope : AttentionKind::Chunked});
    EXPECT_EQ(describe_layer_plan(plan_of(layers)), "12 × (MoE + shared, chunked ×3; MoE + shared, no RoPE)");
}

TEST(LayerPlan, OneKindEverywhereAndNoPattern) {
    EXPECT_EQ(describe_layer_plan(plan_of(std::vector<LayerPlan>(48, {FfnKind::Moe, AttentionKind::Full}))), "MoE ×48");
    const std::vector<LayerPlan> three = {{FfnKind::Moe, AttentionKind::SlidingWindow},
                                          {FfnKind::Moe, AttentionKind::Full},
                                          {FfnKind::Moe, AttentionKind::SlidingWindow}};
    EXPECT_EQ(describe_layer_plan(plan_of(three)), "MoE, sliding window, then MoE, then MoE, sliding window");
}

}  // namespace
}  // namespace moe
