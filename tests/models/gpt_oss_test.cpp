// gpt-oss specifics: the block plan (sliding window on the even blocks), what the model card
// says, the MXFP4 file layout the synth writer makes, and the attention sink worked by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "engine/engine.h"
#include "model_files.h"
#include "models/attention_kernel.h"
#include "models/transformer.h"
#include "parallel/thread_pool.h"

namespace moe {
namespace {

TEST(GptOss, EvenBlocksSlideOverTheWindowOddBlocksSeeEverything) {
    const auto model = Model::load(test::synth_model("gpt-oss"));
    const ModelConfig& c = model->transformer().config();
    ASSERT_EQ(c.n_layer, 3);
    EXPECT_EQ(c.sliding_window, 8);
    EXPECT_EQ(c.layers[0].attention, AttentionKind::SlidingWindow);
    EXPECT_EQ(c.layers[1].attention, AttentionKind::Full);
    EXPECT_EQ(c.layers[2].attention, AttentionKind::SlidingWindow);
    // Position 20 in a window of 8 sees positions 13..20.
    EXPECT_EQ(c.first_visible_position(0, 20), 13);
    EXPECT_EQ(c.first_visible_position(1, 20), 0);
    EXPECT_EQ(c.moe.activation, ExpertActivation::ClampedSwiglu);
    EXPECT_FLOAT_EQ(c.rope.freq_scale, 1.0f / 32.0f);
    EXPECT_NEAR(c.rope.magnitude, 1.0f + 0.1f * std::log(32.0f), 1e-6);  // 1.346574
}

TEST(GptOss, ModelCardNamesSinksWindowAndGating) {
    const auto model = Model::load(test::synth_model("gpt-oss"));
    const ModelInfo& info = model->info();
    EXPECT_EQ(info.gating, "softmax over the top-k");
    EXPECT_EQ(info.moe_layers, (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(info.n_expert_used, 4);
    EXPECT_EQ(info.attention,
              "GQA 4/2 heads × 64, q/k/v/o biases, attention sinks, YaRN ×32, sliding window 8 on 2 layers");
}

TEST(GptOss, Mxfp4FilesKeepExpertsInMxfp4AndTheRestInQ8_0) {
    const auto file = gguf::GgufFile::open(test::synth_model("gpt-oss", GgmlType::MXFP4));
    EXPECT_EQ(file->find_tensor("blk.0.ffn_gate_exps.weight")->type, GgmlType::MXFP4);
    EXPECT_EQ(file->find_tensor("blk.0.ffn_down_exps.weight")->type, GgmlType::MXFP4);
    EXPECT_EQ(file->find_tensor("blk.0.attn_q.weight")->type, GgmlType::Q8_0);
    EXPECT_EQ(file->find_tensor("blk.0.ffn_gate_inp.weight")->type, GgmlType::F32);
    EXPECT_EQ(file->find_tensor("blk.0.attn_sinks.weight")->type, GgmlType::F32);
}

// One query against two cached positions with scores 0 and ln 2 (after the 1/√d scale) and a
// sink logit of ln 2: weights 1 : 2 : 2, so the output is (1·v0 + 2·v1) / 5.
TEST(GptOss, SinkTakesItsShareOfTheSoftmaxAndAddsNoValue) {
    const float ln2 = std::log(2.0f);
    const float keys[] = {0.0f, 0.0f, ln2, 0.0f};     // (2 positions, 2)
    const float values[] = {10.0f, 0.0f, 0.0f, 5.0f};  // (2 positions, 2)
    const float query[] = {1.0f, 0.0f};
    const float sink = ln2;
    float out[2];
    const SharedKv kv{keys, 2, 2, nullptr, 0, 0, values, 2, 2, 1.0f};
    ThreadPool pool(1);
    attend({{kv, 2, Queries{1, query, 2, nullptr, 0, &sink}, out, 2}}, pool);
    EXPECT_NEAR(out[0], 10.0f / 5.0f, 1e-6);
    EXPECT_NEAR(out[1], 2.0f * 5.0f / 5.0f, 1e-6);
}

// 128 positions (cut into blocks whose partial sums are merged) all scoring 0, values (1, 0) on
// the first 64 and (0, 1) on the rest, and a sink of ln 128: the positions share 128 of the 256
// units of mass, so the output is (64/256, 64/256).
TEST(GptOss, SinkJoinsTheMergeOfBlockwisePartialSoftmaxes) {
    constexpr int n = 128;
    std::vector<float> keys(2 * n, 0.0f), values(2 * n, 0.0f);
    for (int j = 0; j < n; ++j) values[2 * j + (j < 64 ? 0 : 1)] = 1.0f;
    const float query[] = {1.0f, 1.0f};
    const float sink = std::log(128.0f);
    float out[2];
    const SharedKv kv{keys.data(), 2, 2, nullptr, 0, 0, values.data(), 2, 2, 1.0f};
    ThreadPool pool(2);
    attend({{kv, n, Queries{1, query, 2, nullptr, 0, &sink}, out, 2}}, pool);
    EXPECT_NEAR(out[0], 0.25f, 1e-6);
    EXPECT_NEAR(out[1], 0.25f, 1e-6);
}

}  // namespace
}  // namespace moe
