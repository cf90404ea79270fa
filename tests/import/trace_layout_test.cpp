#include <gtest/gtest.h>

#include "import/trace_layout.h"

namespace moe::import {
namespace {

analysis::RoutingTable three_layers() {
    analysis::RoutingTable t;
    t.n_expert = 6;  // largest id 5
    t.max_k = 1;
    t.layers = {0, 1, 2};
    t.token_ids = {7, -1};
    t.experts = {5, 0, 1, 2, 3, 4};
    return t;
}

TEST(TraceLayout, ModelLayersAndExperts) {
    auto t = three_layers();
    apply_layout(t, {{1, 2, 3}, 64, "DeepSeek-V2-Lite", -1, 1}, "r.json");
    EXPECT_EQ(t.layers, (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(t.n_expert, 64);
    EXPECT_EQ(t.model, "DeepSeek-V2-Lite");
}

TEST(TraceLayout, FirstMoeLayerAndInterval) {
    auto t = three_layers();
    apply_layout(t, {{}, 0, "", 3, 2}, "r.json");
    EXPECT_EQ(t.layers, (std::vector<int>{3, 5, 7}));
    EXPECT_EQ(t.n_expert, 6);
}

TEST(TraceLayout, TraceThatDoesNotFitTheModel) {
    auto t = three_layers();
    EXPECT_THROW(
        {
            try {
                apply_layout(t, {{1, 2}, 0, "", -1, 1}, "r.json");
            } catch (const std::runtime_error& e) {
                EXPECT_STREQ(e.what(), "r.json: the trace has 3 MoE layers but the model has 2");
                throw;
            }
        },
        std::runtime_error);
    try {
        apply_layout(t, {{}, 5, "", -1, 1}, "r.json");
        ADD_FAILURE() << "expert 5 of a 5-expert model was accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "r.json: the trace holds expert 5 but the model has 5 experts");
    }
}

TEST(TraceLayout, DecodesTokenIds) {
    auto t = three_layers();
    decode_token_texts(t, 8, [](int32_t id) { return std::to_string(id) + "."; }, "r.json");
    EXPECT_EQ(t.texts, (std::vector<std::string>{"7.", ""}));
    EXPECT_THROW(decode_token_texts(t, 7, [](int32_t) { return std::string(); }, "r.json"), std::runtime_error);
}

}  // namespace
}  // namespace moe::import
