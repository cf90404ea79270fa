// ERNIE 4.5 MoE's layer rule: MoE from leading_dense_block_count on, every
// interleave_moe_layer_step-th block (block il when (il + 1) % step == 0).
#include <gtest/gtest.h>

#include "engine/engine.h"
#include "model_files.h"

namespace moe {
namespace {

TEST(Ernie45Moe, OneLeadingDenseLayerThenMoeEverywhere) {
    const auto model = Model::load(test::synth_model("ernie4_5-moe"));
    EXPECT_EQ(model->info().moe_layers, (std::vector<int>{1, 2}));
    EXPECT_EQ(model->info().n_leading_dense, 1);
    EXPECT_EQ(model->info().n_expert_shared, 1);
    EXPECT_EQ(model->info().shared_ffn, 64);
    EXPECT_TRUE(model->info().has_selection_bias);
}

TEST(Ernie45Moe, InterleaveStepTwoMakesBlockTwoDense) {
    // 3 blocks, 1 leading dense, step 2: block 1 ((1+1) % 2 == 0) is MoE, block 2 is dense, so
    // the file (written with MoE tensors in block 2) lacks block 2's dense FFN.
    const std::string path = test::rewrite_model(test::synth_model("ernie4_5-moe"), "step2.gguf", [](gguf::GgufWriter& w, auto&) {
        w.set("ernie4_5-moe.interleave_moe_layer_step", gguf::Value::u32(2));
    });
    try {
        Model::load(path);
        FAIL() << "expected a missing tensor";
    } catch (const EngineError& e) {
        EXPECT_NE(std::string(e.what()).find("'blk.2.ffn_gate.weight' is missing"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace moe
