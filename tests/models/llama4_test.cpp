// llama4 specifics: the block plan (MoE every second block of the tiny preset, chunks of 8192
// on three blocks of four, no RoPE with temperature tuning on the fourth), top-1 sigmoid routing
// with the weight on the expert's input, and a file with vision tensors loading its text part.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/engine.h"
#include "model_files.h"
#include "models/transformer.h"

namespace moe {
namespace {

TEST(Llama4, BlocksFollowLlamaCppsPlan) {
    const auto model = Model::load(test::synth_model("llama4"));
    const ModelConfig& c = model->transformer().config();
    ASSERT_EQ(c.n_layer, 4);
    EXPECT_EQ(c.layers[0].ffn, FfnKind::Dense);
    EXPECT_EQ(c.layers[1].ffn, FfnKind::MoeShared);
    EXPECT_EQ(c.layers[2].ffn, FfnKind::Dense);
    EXPECT_EQ(c.layers[3].ffn, FfnKind::MoeShared);
    EXPECT_EQ(c.layers[0].attention, AttentionKind::Chunked);
    EXPECT_EQ(c.layers[2].attention, AttentionKind::Chunked);
    EXPECT_EQ(c.layers[3].attention, AttentionKind::NoRope);
    EXPECT_EQ(c.attention_chunk, 8192);
    // Position 8200 of a chunked block sees its own chunk only, from 8192 on.
    EXPECT_EQ(c.first_visible_position(0, 8200), 8192);
    EXPECT_EQ(c.first_visible_position(0, 8191), 0);
    EXPECT_EQ(c.first_visible_position(3, 8200), 0);
    EXPECT_EQ(c.qk_norm, QkNorm::PlainAfterRope);  // 8 experts: not the 128-expert Maverick
    EXPECT_TRUE(c.moe.select_on_logits);
    EXPECT_TRUE(c.moe.weight_before_expert);
    // The temperature of the no-RoPE block: 1 + 0.1·ln(floor((pos + 1) / 8192) + 1), so
    // 1 up to position 8190 and 1 + 0.1·ln 2 = 1.0693147 from 8191 on.
    EXPECT_FLOAT_EQ(c.attn_temp_scale, 0.1f);
    EXPECT_FLOAT_EQ(c.attn_temp_offset, 1.0f);
    EXPECT_EQ(c.attn_temp_floor, 8192);
    ASSERT_EQ(c.rope.freq_factors.size(), 32u);
    EXPECT_FLOAT_EQ(c.rope.freq_factors.back(), 8.0f);
}

TEST(Llama4, RoutesTopOneWithTheSigmoidOfItsLogit) {
    const auto model = Model::load(test::synth_model("llama4"));
    Session session(model);
    test::RecordingObserver trace;
    session.evaluate({1, 72, 101, 108}, true, &trace);
    ASSERT_EQ(trace.traces.size(), 4u);
    for (const TokenTrace& t : trace.traces) {
        ASSERT_EQ(t.moe_layers.size(), 2u);
        EXPECT_EQ(t.moe_layers[0].layer, 1);
        EXPECT_EQ(t.moe_layers[1].layer, 3);
        for (const LayerRouting& r : t.moe_layers) {
            ASSERT_EQ(r.experts.size(), 1u);
            const int e = r.experts[0];
            for (size_t other = 0; other < r.scores.size(); ++other) EXPECT_LE(r.scores[other], r.scores[e]);
            EXPECT_NEAR(r.weights[0], 1.0f / (1.0f + std::exp(-r.scores[e])), 1e-6);
            EXPECT_NEAR(r.probs[e], r.weights[0], 1e-6);
        }
    }
}

TEST(Llama4, AFileWithVisionTensorsLoadsItsTextPart) {
    const std::string text_only = test::synth_model("llama4");
    const std::string with_vision = test::rewrite_model(text_only, "vision.gguf", [](gguf::GgufWriter& w, auto& tensors) {
        w.set("clip.vision.block_count", gguf::Value::u32(1));
        tensors.push_back({"v.blk.0.attn_q.weight", GgmlType::F32, {8, 8}, std::vector<uint8_t>(8 * 8 * 4, 0)});
        tensors.push_back({"mm.linear_1.weight", GgmlType::F32, {8, 256}, std::vector<uint8_t>(8 * 256 * 4, 0)});
    });
    const auto a = Model::load(text_only), b = Model::load(with_vision);
    EXPECT_EQ(a->info().params_total, b->info().params_total);  // the vision tensors are not counted
    Session sa(a), sb(b);
    EXPECT_EQ(sa.evaluate({1, 72, 101}, false), sb.evaluate({1, 72, 101}, false));
}

TEST(Llama4, ModelCardNamesChunksNoRopeAndNorm) {
    const auto model = Model::load(test::synth_model("llama4"));
    const ModelInfo& info = model->info();
    EXPECT_EQ(info.gating, "sigmoid, weight applied to the expert's input");
    EXPECT_EQ(info.moe_layers, (std::vector<int>{1, 3}));
    EXPECT_EQ(info.attention,
              "GQA 4/2 heads × 64, q/k RMS-normalised after RoPE, RoPE frequency factors, chunks of 8192 on 3 "
              "layers, no RoPE on 1 layer");
}

}  // namespace
}  // namespace moe
