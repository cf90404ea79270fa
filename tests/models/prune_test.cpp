// prune: the kept experts' bytes and router rows are copied unchanged, metadata is updated,
// the output runs, and bad requests get one-line errors.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "model_files.h"
#include "models/prune.h"
#include "support/test_support.h"

namespace moe {
namespace {

// The tiny deepseek2 (8 experts top-2, MoE blocks 1 and 2) with a selection bias added to
// block 1, so that tensor kind is sliced too.
const std::string& model_with_selection_bias() {
    static const std::string path = test::rewrite_model(
        test::synth_model("deepseek2", GgmlType::Q8_0), "with-bias.gguf",
        [](gguf::GgufWriter&, std::vector<test::TensorCopy>& tensors) {
            const std::vector<float> bias = {0.0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f};
            std::vector<uint8_t> bytes(bias.size() * sizeof(float));
            std::memcpy(bytes.data(), bias.data(), bytes.size());
            tensors.push_back({"blk.1.exp_probs_b.bias", GgmlType::F32, {8}, bytes});
        });
    return path;
}

// Layer 1: keep 3 -> the loads 9 (expert 5), 7 (expert 2), 5 (expert 0).
// Layer 2: four experts tie at 4 -> the lower ids 0, 1, 2.
ExpertLoads hand_loads() {
    ExpertLoads loads;
    loads.n_expert = 8;
    loads.by_layer[1] = {5, 1, 7, 1, 0, 9, 2, 3};
    loads.by_layer[2] = {4, 4, 4, 1, 1, 1, 1, 4};
    return loads;
}

// Bytes of expert `e` of a tensor whose last dimension runs over `n` experts.
std::vector<uint8_t> slice(const gguf::TensorInfo& t, int n, int e) {
    const uint64_t size = t.nbytes / n;
    return {t.data + size * e, t.data + size * (e + 1)};
}

TEST(Prune, KeepsTheMostLoadedExpertsWithTiesToTheLowerId) {
    EXPECT_EQ(most_loaded_experts({5, 1, 7, 1, 0, 9, 2, 3}, 3), (std::vector<int>{0, 2, 5}));
    EXPECT_EQ(most_loaded_experts({4, 4, 4, 1, 1, 1, 1, 4}, 3), (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(most_loaded_experts({0, 2, 1}, 1), (std::vector<int>{1}));
}

TEST(Prune, SlicesExpertTensorsRouterRowsAndSelectionBiasByteForByte) {
    const std::string out = test::temp_dir() + "/pruned3.gguf";
    const PruneResult r = prune_experts(model_with_selection_bias(), hand_loads(), 3, out);
    EXPECT_EQ(r.n_expert_before, 8);
    EXPECT_EQ(r.n_expert_after, 3);
    EXPECT_EQ(r.n_used_after, 2);
    // Per MoE layer: ffn_gate_inp, three expert tensors; plus the one selection bias.
    EXPECT_EQ(r.tensors_sliced, 9);

    const auto before = gguf::GgufFile::open(model_with_selection_bias());
    const auto after = gguf::GgufFile::open(out);
    EXPECT_EQ(after->get_int("deepseek2.expert_count"), 3);
    EXPECT_EQ(after->get_int("deepseek2.expert_used_count"), 2);
    EXPECT_EQ(after->get_int(kPrunedFromExpertCountKey), 8);
    EXPECT_EQ(after->get_int_array(pruned_kept_experts_key(1)), (std::vector<int64_t>{0, 2, 5}));
    EXPECT_EQ(after->get_int_array(pruned_kept_experts_key(2)), (std::vector<int64_t>{0, 1, 2}));

    const std::map<int, std::vector<int>> kept = {{1, {0, 2, 5}}, {2, {0, 1, 2}}};
    for (const auto& [layer, ids] : kept) {
        std::vector<std::string> names = {"ffn_gate_inp.weight", "ffn_gate_exps.weight", "ffn_up_exps.weight",
                                          "ffn_down_exps.weight"};
        if (layer == 1) names.push_back("exp_probs_b.bias");
        for (const std::string& suffix : names) {
            const std::string name = "blk." + std::to_string(layer) + "." + suffix;
            const gguf::TensorInfo* old_t = before->find_tensor(name);
            const gguf::TensorInfo* new_t = after->find_tensor(name);
            ASSERT_TRUE(old_t && new_t) << name;
            EXPECT_EQ(new_t->ne[new_t->n_dims - 1], 3) << name;
            EXPECT_EQ(new_t->nbytes * 8, old_t->nbytes * 3) << name;
            for (size_t i = 0; i < ids.size(); ++i)
                EXPECT_EQ(slice(*new_t, 3, static_cast<int>(i)), slice(*old_t, 8, ids[i])) << name << " expert " << ids[i];
        }
    }
    // Everything else is copied unchanged.
    for (const char* name : {"token_embd.weight", "blk.0.ffn_up.weight", "blk.1.ffn_up_shexp.weight"}) {
        const gguf::TensorInfo* old_t = before->find_tensor(name);
        const gguf::TensorInfo* new_t = after->find_tensor(name);
        ASSERT_TRUE(old_t && new_t) << name;
        EXPECT_EQ(std::vector<uint8_t>(new_t->data, new_t->data + new_t->nbytes),
                  std::vector<uint8_t>(old_t->data, old_t->data + old_t->nbytes)) << name;
    }
}

TEST(Prune, OutputLoadsAndRunsWithOnlyTheKeptExperts) {
    const std::string out = test::temp_dir() + "/pruned1.gguf";
    const PruneResult r = prune_experts(model_with_selection_bias(), hand_loads(), 1, out);
    EXPECT_EQ(r.n_used_after, 1);  // min(top-2, 1 kept)
    const auto model = Model::load(out);
    EXPECT_EQ(model->info().n_expert, 1);
    EXPECT_EQ(model->info().n_expert_used, 1);
    Session session(model);
    int traced = 0;
    GenerationEvents events;
    events.on_trace = [&](const TokenTrace& t) {
        ++traced;
        for (const LayerRouting& layer : t.moe_layers) EXPECT_EQ(layer.experts, std::vector<int>{0});
    };
    const GenerationResult result = session.generate(test::greedy_request("Hi", 4), events);
    EXPECT_EQ(result.generated_tokens.size(), 4u);
    EXPECT_GT(traced, 4);
}

std::string error_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "no error";
}

TEST(Prune, RejectsKeepOutOfRangeAndMismatchedProfiles) {
    const std::string model = test::synth_model("deepseek2", GgmlType::Q8_0);
    const std::string out = test::temp_dir() + "/never.gguf";
    EXPECT_NE(error_of([&] { prune_experts(model, hand_loads(), 0, out); }).find("--keep must be between 1 and 8"),
              std::string::npos);
    EXPECT_NE(error_of([&] { prune_experts(model, hand_loads(), 9, out); }).find("got 9"), std::string::npos);
    ExpertLoads wrong_count = hand_loads();
    wrong_count.n_expert = 16;
    EXPECT_NE(error_of([&] { prune_experts(model, wrong_count, 4, out); }).find("counts 16 experts"), std::string::npos);
    ExpertLoads missing_layer = hand_loads();
    missing_layer.by_layer.erase(2);
    EXPECT_NE(error_of([&] { prune_experts(model, missing_layer, 4, out); }).find("no expert loads for MoE layer 2"),
              std::string::npos);
    EXPECT_FALSE(std::ifstream(out).good());
}

std::string profile_error(const std::string& json) {
    const std::string path = test::temp_dir() + "/profile.json";
    std::ofstream(path) << json;
    return error_of([&] { read_expert_loads(path); });
}

TEST(Prune, ReadsLoadsFromProfileJsonAndRejectsMalformedOnes) {
    const std::string path = test::temp_dir() + "/good.json";
    std::ofstream(path) << R"({"n_expert": 3, "layers": [{"layer": 4, "load": [1, 0, 2], "k": 2}]})";
    const ExpertLoads loads = read_expert_loads(path);
    EXPECT_EQ(loads.n_expert, 3);
    ASSERT_EQ(loads.by_layer.count(4), 1u);
    EXPECT_EQ(loads.by_layer.at(4), (std::vector<double>{1, 0, 2}));

    EXPECT_NE(error_of([] { read_expert_loads("/nonexistent/profile.json"); }).find("/nonexistent/profile.json: cannot read"),
              std::string::npos);
    EXPECT_NE(profile_error("{\"n_expert\": 3, ").find("not valid JSON"), std::string::npos);
    EXPECT_NE(profile_error("[1, 2]").find("integer \"n_expert\""), std::string::npos);
    EXPECT_NE(profile_error(R"({"n_expert": 3})").find("\"layers\" is missing"), std::string::npos);
    EXPECT_NE(profile_error(R"({"n_expert": 3, "layers": [{"layer": 1, "load": [1, 2]}]})")
                  .find("layer 1 has 2 loads for 3 experts"),
              std::string::npos);
    EXPECT_NE(profile_error(R"({"n_expert": 2, "layers": [{"layer": 1, "load": [1, -2]}]})").find("non-negative"),
              std::string::npos);
    EXPECT_NE(profile_error(R"({"n_expert": 2, "layers": [{"load": [1, 2]}]})").find("integer \"layer\""),
              std::string::npos);
}

}  // namespace
}  // namespace moe
