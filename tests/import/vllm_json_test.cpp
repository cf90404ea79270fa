#include <gtest/gtest.h>

#include <fstream>

#include "import/vllm_json.h"
#include "support/test_support.h"

namespace moe::import {
namespace {

using analysis::RoutingTable;

std::string write_json(const std::string& name, const std::string& json) {
    const std::string path = test::temp_dir() + "/" + name;
    std::ofstream(path) << json;
    return path;
}

// A /v1/completions response with n=2 and return_token_ids; choice 1 is listed first.
const char* kTwoChoices = R"({
  "id": "cmpl-1", "object": "text_completion", "model": "deepseek-ai/DeepSeek-V3",
  "choices": [
    {"index": 1, "text": " Lyon", "token_ids": [45], "routed_experts": [[[6, 4], [0, 7]]],
     "logprobs": null, "finish_reason": "length"},
    {"index": 0, "text": " Paris.", "token_ids": [12366, 13],
     "routed_experts": [[[5, 2], [7, 0]], [[1, 3], [2, 6]]], "finish_reason": "length"}
  ],
  "prompt_token_ids": [100, 200, 300],
  "prompt_routed_experts": [[[0, 1], [2, 3]], [[4, 5], [6, 7]], [[1, 0], [3, 2]]],
  "usage": {"prompt_tokens": 3, "completion_tokens": 3, "total_tokens": 6}
})";

TEST(VllmJson, TwoChoicesWithTokenIdsAreTwoRuns) {
    const RoutingTable t = read_vllm_response(write_json("two.json", kTwoChoices));
    EXPECT_EQ(t.model, "deepseek-ai/DeepSeek-V3");
    EXPECT_EQ(t.max_k, 2);
    EXPECT_EQ(t.n_expert, 8);  // the largest id + 1
    EXPECT_EQ(t.layers, (std::vector<int>{0, 1}));
    // Run 0: the prompt then choice 0; run 1: the prompt then choice 1.
    EXPECT_EQ(t.token_ids, (std::vector<int32_t>{100, 200, 300, 12366, 13, 100, 200, 300, 45}));
    EXPECT_EQ(t.positions, (std::vector<int32_t>{0, 1, 2, 3, 4, 0, 1, 2, 3}));
    EXPECT_EQ(t.sequences, (std::vector<uint32_t>{0, 0, 0, 0, 0, 1, 1, 1, 1}));
    EXPECT_EQ(t.experts, (std::vector<analysis::ExpertId>{0, 1, 2, 3, 4, 5, 6, 7, 1, 0, 3, 2, 5, 2, 7, 0, 1, 3, 2, 6,
                                                          0, 1, 2, 3, 4, 5, 6, 7, 1, 0, 3, 2, 6, 4, 0, 7}));
    EXPECT_TRUE(t.weights.empty());
    EXPECT_TRUE(t.probs.empty());
}

TEST(VllmJson, ChatResponseWithoutTokenIds) {
    const RoutingTable t = read_vllm_response(write_json("chat.json", R"({
      "object": "chat.completion", "model": "Qwen/Qwen3-30B-A3B",
      "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"}, "routed_experts": [[[1, 2, 3]]]}],
      "prompt_routed_experts": [[[3, 2, 1]], [[0, 1, 2]]]})"));
    EXPECT_EQ(t.max_k, 3);
    EXPECT_EQ(t.layers, (std::vector<int>{0}));
    EXPECT_EQ(t.token_ids, (std::vector<int32_t>{-1, -1, -1}));
    EXPECT_EQ(t.positions, (std::vector<int32_t>{0, 1, 2}));
    EXPECT_EQ(t.sequences, (std::vector<uint32_t>{0, 0, 0}));
    EXPECT_EQ(t.experts, (std::vector<analysis::ExpertId>{3, 2, 1, 0, 1, 2, 1, 2, 3}));
    EXPECT_EQ(t.n_expert, 4);
}

TEST(VllmJson, ProgressAndCancel) {
    const std::string path = write_json("p.json", kTwoChoices);
    double last = 0;
    read_vllm_response(path, [&](double f) { return last = f, true; });
    EXPECT_EQ(last, 1.0);
    EXPECT_THROW(read_vllm_response(path, [](double) { return false; }), ReadCancelled);
}

void expect_error(const std::string& name, const std::string& json, const std::string& problem) {
    const std::string path = write_json(name, json);
    std::string message = "(no error)";
    try {
        read_vllm_response(path);
    } catch (const std::runtime_error& e) {
        message = e.what();
    }
    EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(problem), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(VllmJson, BadInputGetsOneLineErrors) {
    expect_error("plain.json", R"({"choices": [{"index": 0, "text": "Hi", "routed_experts": null}], "prompt_routed_experts": null})",
                 "start vLLM with --enable-return-routed-experts");
    expect_error("k.json", R"({"prompt_routed_experts": [[[1, 2], [3]]]})",
                 "prompt_routed_experts at token 0, MoE layer 1 has 1 experts where earlier layers have 2");
    expect_error("layers.json", R"({"prompt_routed_experts": [[[1], [2]], [[3]]]})",
                 "prompt_routed_experts at token 1, MoE layer 1 has 1 MoE layers where earlier tokens have 2");
    expect_error("between.json", R"({"prompt_routed_experts": [[[1], [2]]], "choices": [{"routed_experts": [[[1, 2], [3, 4]]]}]})",
                 "choices[0].routed_experts has 2 MoE layers × top-2, but another array has 2 × top-1");
    expect_error("ids.json", R"({"prompt_token_ids": [1, 2, 3], "prompt_routed_experts": [[[1]], [[2]]]})",
                 "prompt_token_ids has 3 ids but its routed experts have 2 tokens");
    expect_error("negative.json", R"({"choices": [{"routed_experts": [[[1]], [[-4]]]}]})",
                 "choices[0].routed_experts at token 1, MoE layer 0 holds the negative expert id -4");
    expect_error("largest-id.json", R"({"prompt_routed_experts": [[[65534]]]})",
                 "prompt_routed_experts at token 0, MoE layer 0 holds expert 65534, above the largest supported id");
    // fuzz_vllm_json finding crash-b31d31a5: a repeated expert in one chosen set was accepted.
    expect_error("fuzz-crash-b31d31a5-repeated.json", R"({"prompt_routed_experts": [[[1, 1], [2, 3]]]})",
                 "prompt_routed_experts at token 0, MoE layer 0 chooses expert 1 twice");
    expect_error("repeated-later.json", R"({"prompt_routed_experts": [[[1, 2], [2, 3]], [[0, 3], [3, 3]]]})",
                 "prompt_routed_experts at token 1, MoE layer 1 chooses expert 3 twice");
    // fuzz_vllm_json finding crash-f27ced5e (undefined behaviour): an array directly inside
    // `choices` was taken for a choice object before any choice existed (back() of nothing).
    expect_error("fuzz-crash-f27ced5e-nested-choices.json", R"({"choices": [[[{"index": 0, "routed_experts": [[[0, 2]]]}]]]})",
                 "start vLLM with --enable-return-routed-experts");
    expect_error("float.json", R"({"prompt_routed_experts": [[[1.5]]]})", "prompt_routed_experts holds a non-integer");
    expect_error("flat.json", R"({"prompt_routed_experts": [1, 2, 3]})", "prompt_routed_experts holds a number");
    expect_error("cut.json", R"({"prompt_routed_experts": [[[1, 2], [3)", "invalid JSON");
    expect_error("absent.json", "", "invalid JSON");
}

}  // namespace
}  // namespace moe::import
