// glm4moe specifics on the tiny preset: the next-token-prediction block is in the file but
// not run, and the model card names its pieces.
#include <gtest/gtest.h>

#include "engine/engine.h"
#include "model_files.h"

namespace moe {
namespace {

TEST(Glm4Moe, TheNextTokenBlockIsLoadedAsDataButNotRun) {
    const std::string path = test::synth_model("glm4moe");
    const auto file = gguf::GgufFile::open(path);
    EXPECT_EQ(file->get_int("glm4moe.block_count").value_or(0), 4);
    ASSERT_NE(file->find_tensor("blk.3.nextn.eh_proj.weight"), nullptr);

    const auto model = Model::load(path);
    const ModelInfo& info = model->info();
    EXPECT_EQ(info.n_layer, 3);
    EXPECT_EQ(info.moe_layers, (std::vector<int>{1, 2}));
    int64_t without_block_3 = 0;  // what the three blocks run plus embeddings, norm and head
    for (const auto& t : file->tensors())
        if (t.name.rfind("blk.3.", 0) != 0) without_block_3 += t.n_elements();
    EXPECT_EQ(info.params_total, without_block_3);

    Session session(model);
    const auto logits = session.evaluate({1, 72, 101}, false);
    EXPECT_EQ(logits.size(), 300u);
}

TEST(Glm4Moe, ModelCardNamesGatingSharedExpertAndAttention) {
    const auto model = Model::load(test::synth_model("glm4moe"));
    const ModelInfo& info = model->info();
    EXPECT_EQ(info.gating, "sigmoid");
    EXPECT_TRUE(info.weights_normalized);
    EXPECT_TRUE(info.has_selection_bias);
    EXPECT_EQ(info.n_expert_shared, 1);
    EXPECT_EQ(info.shared_ffn, 32);
    EXPECT_EQ(info.attention, "GQA 4/2 heads × 64, q/k/v biases, RoPE on 32 of 64 dims");
}

}  // namespace
}  // namespace moe
