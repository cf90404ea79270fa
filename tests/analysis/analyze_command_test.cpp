// `analyze` and `compare` run in-process: their tables, JSON files and error messages, and the
// options for imported traces.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cli/cli_harness.h"
#include "support/test_support.h"

namespace moe {
namespace {

using test::cli;
using test::CliResult;
using test::tiny_model;
using test::write_temp_file;

// The error message: stderr's last line (progress lines come before it).
std::string last_line(const std::string& err) {
    const size_t end = err.size() && err.back() == '\n' ? err.size() - 1 : err.size();
    const size_t start = err.rfind('\n', end == 0 ? 0 : end - 1);
    return err.substr(start == std::string::npos || start >= end ? 0 : start + 1);
}

const std::string kHeader = "step,pos,token_id,token_text,layer,rank,expert,weight,prob,score\n";

// One row per (token, expert) at MoE layer 1: sets[t] with token id ids[t] at pos t.
std::string csv_of(const std::vector<int>& ids, const std::vector<std::vector<int>>& sets) {
    std::string csv = kHeader;
    for (size_t t = 0; t < sets.size(); ++t)
        for (size_t r = 0; r < sets[t].size(); ++r)
            csv += std::to_string(t) + "," + std::to_string(t) + "," + std::to_string(ids[t]) + ",x,1," + std::to_string(r) +
                   "," + std::to_string(sets[t][r]) + ",0.5,0.5,0.5\n";
    return csv;
}


TEST(AnalyzeCommand, PrintsTablesAndWritesJson) {
    // Four tokens over 4 experts, top-2: loads 3, 2, 2, 1 (mean 2, deviations 1, 0, 0, -1:
    // cv = sqrt(0.5)/2 = 0.354, max_vio = 0.5). Pairs: {0,1}{0,2} share 0 and rank-0,
    // {0,2}{1,2} share 2, {1,2}{3,0} nothing: repeat_top1 = 1/3, repeat_any = 2/3.
    const std::string path = write_temp_file("four.csv", csv_of({7, 8, 7, 9}, {{0, 1}, {0, 2}, {1, 2}, {3, 0}}));
    const std::string json_path = test::temp_dir() + "/four.json";
    const CliResult r = cli({"analyze", path, "--n-expert", "4", "--json", json_path});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("4 tokens in 1 sequences, 4 experts, 1 MoE layers\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("    1  2.00  0.354    0.953    0.500           -     0         0.333  (0.250)        0.667  (0.833)"
                         "        -  2.0/4.0/-/-\n"),
              std::string::npos)
        << r.out;
    // Default cache sizes for k = 2, N = 4: 2, 4 (8 too, >= k).
    // Cache of 2: each token's set evicts the other resident: hits 0, 1 (e0), 1 (e2), 0 = 2/8 for
    // every policy. Caches of 4 and 8 hold everything: hits 0, 1, 2, 1 = 4/8.
    EXPECT_NE(r.out.find("layer                      2                      4                      8\n"
                         "    1  0.250 / 0.250 / 0.250  0.500 / 0.500 / 0.500  0.500 / 0.500 / 0.500\n"),
              std::string::npos)
        << r.out;
    const auto json = nlohmann::json::parse(test::read_file(json_path));
    EXPECT_EQ(json["tokens"], 4);
    EXPECT_EQ(json["layers"][0]["load"], nlohmann::json({3, 2, 2, 1}));
    EXPECT_TRUE(json["layers"][0]["balance_fp"].is_null());
    EXPECT_EQ(json["layers"][0]["cache"].size(), 3u);
}

TEST(AnalyzeCommand, ExpertCountComesFromTheModel) {
    // Without -m or --n-expert the demo model (16 experts) sets N.
    const std::string path = write_temp_file("wide.csv", csv_of({1}, {{20, 3}}));
    const CliResult r = cli({"analyze", path});
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(last_line(r.err), "moescope-cli analyze: " + path + ":2: expert 20 is out of range: the model has 16 experts\n");
}

TEST(AnalyzeCommand, BadOptionsAndFiles) {
    const std::string path = write_temp_file("ok.csv", csv_of({1, 2}, {{0, 1}, {1, 2}}));
    CliResult r = cli({"analyze", path, "--n-expert", "4", "--cache-sizes", "2,x"});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "moescope-cli analyze: --cache-sizes expects positive integers separated by commas, got '2,x'\n");
    r = cli({"analyze", path, "--n-expert", "4", "--cache-sizes", "1"});
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(last_line(r.err), "moescope-cli analyze: cache size 1 is below k = 2 (a token's experts must all fit)\n");
    r = cli({"analyze", test::temp_dir() + "/none.csv", "--n-expert", "4"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("none.csv': No such file or directory\n"), std::string::npos) << r.err;
    r = cli({"analyze", path, "--n-expert", "4", "--json", "/nonexistent-folder/x.json"});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "moescope-cli analyze: --json: cannot write '/nonexistent-folder/x.json': folder '/nonexistent-folder' does not exist\n");
    r = cli({"analyze"});
    EXPECT_EQ(r.code, 2);
    // Two traces of different models cannot be pooled.
    const std::string other = write_temp_file("other.csv", kHeader + "0,0,1,x,5,0,1,1,1,1\n");
    r = cli({"analyze", path, other, "--n-expert", "4"});
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(last_line(r.err), "moescope-cli analyze: '" + other + "': its MoE layers differ from the first trace's\n");
}

TEST(AnalyzeCommand, SeveralFilesAreSeparateSequences) {
    const std::string a = write_temp_file("a.csv", csv_of({1, 2}, {{0, 1}, {0, 1}}));
    const std::string b = write_temp_file("b.csv", csv_of({1, 2}, {{0, 1}, {0, 1}}));
    const CliResult r = cli({"analyze", a, b, "--n-expert", "4"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("4 tokens in 2 sequences"), std::string::npos) << r.out;
}

TEST(CompareCommand, AgreementUntilTheFirstDivergence) {
    // Token 0 agrees fully; token 1 shares expert 1 of {1,2} vs {3,1}; token 2's ids differ.
    const std::string a = write_temp_file("run-a.csv", csv_of({5, 6, 7, 8}, {{0, 1}, {1, 2}, {0, 1}, {0, 1}}));
    const std::string b = write_temp_file("run-b.csv", csv_of({5, 6, 9}, {{0, 1}, {3, 1}, {0, 1}}));
    const std::string json_path = test::temp_dir() + "/compare.json";
    const CliResult r = cli({"compare", a, b, "--json", json_path});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("compared 2\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("first divergence at token 2 (pos 2): A 7 'x', B 9 'x'\n"), std::string::npos) << r.out;
    // set agreement (1 + 1/2)/2, top-1 (1 + 0)/2, Jaccard (1 + 1/3)/2.
    EXPECT_NE(r.out.find("    1          0.750           0.500    0.667\n"), std::string::npos) << r.out;
    const auto json = nlohmann::json::parse(test::read_file(json_path));
    EXPECT_EQ(json["tokens_compared"], 2);
    EXPECT_EQ(json["first_divergence"]["token_a"], 7);
    EXPECT_NEAR(json["layers"][0]["jaccard"].get<double>(), 2.0 / 3, 1e-8);
}

TEST(CompareCommand, IdenticalRunsAndLengths) {
    const std::string a = write_temp_file("same-a.csv", csv_of({5, 6}, {{0, 1}, {1, 2}}));
    CliResult r = cli({"compare", a, a});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("the token ids agree throughout\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("    1          1.000           1.000    1.000\n"), std::string::npos) << r.out;
    const std::string shorter = write_temp_file("short.csv", csv_of({5}, {{0, 1}}));
    r = cli({"compare", a, shorter});
    EXPECT_NE(r.out.find("first divergence at token 1 (pos 1): A 6 'x', B (run ended)\n"), std::string::npos) << r.out;
    r = cli({"compare", a});
    EXPECT_EQ(r.code, 2);
}

// Imported traces: -m MODEL, --first-moe-layer/--moe-layer-interval and --tokenizer place the
// MoE layers and decode the token ids; every bad value is one line.

// test::tiny_model() is deepseek2 "tiny": blocks 0..2, block 0 dense, so MoE blocks 1 and 2; 8
// experts; the synthetic vocabulary of 300 has <unk>, <s>, </s>, then byte b as id 3 + b.

// A vLLM completion: two prompt tokens 'H' 'i' (75, 108) and one generated '!' (36), two MoE
// layers numbered 0 and 1, top-2. `last_id` replaces the generated token's id.
std::string vllm_response(const std::string& name, int last_id = 36, const std::string& layer_sets = "[0,1],[2,3]") {
    return write_temp_file(name, R"({"object":"text_completion","prompt_token_ids":[75,108],)"
                       R"("prompt_routed_experts":[[)" + layer_sets + R"(],[[4,5],[6,7]]],)"
                       R"("choices":[{"index":0,"text":"!","token_ids":[)" + std::to_string(last_id) +
                           R"(],"routed_experts":[[[1,0],[3,2]]]}]})");
}

std::vector<int> json_layers(const std::string& json_path) {
    const auto json = nlohmann::json::parse(test::read_file(json_path));
    std::vector<int> layers;
    for (const auto& layer : json["layers"]) layers.push_back(layer["layer"]);
    return layers;
}

TEST(TraceOptions, ModelPlacesTheMoeLayersAndNamesTheModel) {
    const std::string trace = vllm_response("vllm-model.json");
    const std::string json_path = test::temp_dir() + "/vllm-model-analysis.json";
    const CliResult r = cli({"analyze", trace, "-m", tiny_model(), "--json", json_path});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("3 tokens in 1 sequences, 8 experts, 2 MoE layers\n"), std::string::npos) << r.out;
    EXPECT_EQ(json_layers(json_path), (std::vector<int>{1, 2}));
}

TEST(TraceOptions, FirstMoeLayerAndIntervalWithoutAModel) {
    const std::string trace = vllm_response("vllm-first.json");
    const std::string json_path = test::temp_dir() + "/vllm-first-analysis.json";
    CliResult r = cli({"analyze", trace, "--n-expert", "8", "--first-moe-layer", "3", "--moe-layer-interval", "2",
                       "--json", json_path});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(json_layers(json_path), (std::vector<int>{3, 5}));
    r = cli({"analyze", trace, "--n-expert", "8", "--first-moe-layer", "4", "--json", json_path});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(json_layers(json_path), (std::vector<int>{4, 5}));
    r = cli({"analyze", trace, "--n-expert", "8", "--json", json_path});  // vLLM's own numbering
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(json_layers(json_path), (std::vector<int>{0, 1}));
}

TEST(TraceOptions, TokenizerDecodesTheIdsCompareShows) {
    // The runs agree on 'H' 'i', then generate '!' (36) and '?' (66).
    const std::string a = vllm_response("vllm-a.json", 36);
    const std::string b = vllm_response("vllm-b.json", 66);
    CliResult r = cli({"compare", a, b, "--tokenizer", tiny_model()});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("first divergence at token 2 (pos 2): A 36 '!', B 66 '?'\n"), std::string::npos) << r.out;
    r = cli({"compare", a, b, "-m", tiny_model()});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("A 36 '!', B 66 '?'\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\n    1  "), std::string::npos) << r.out;  // blocks 1 and 2, not 0 and 1
    EXPECT_NE(r.out.find("\n    2  "), std::string::npos) << r.out;
    r = cli({"compare", a, b});  // no tokenizer: ids only
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("A 36 '', B 66 ''\n"), std::string::npos) << r.out;
}

TEST(TraceOptions, BadValuesAreOneLineErrors) {
    const std::string trace = vllm_response("vllm-bad.json");
    const auto error = [](const CliResult& r) { return r.err.substr(r.err.rfind('\n', r.err.size() - 2) + 1); };
    CliResult r = cli({"analyze", trace, "--n-expert", "8", "--first-moe-layer", "-1"});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "moescope-cli analyze: --first-moe-layer -1 is out of range (allowed: 0 to 4095, a block index)\n");
    r = cli({"analyze", trace, "--n-expert", "8", "--first-moe-layer", "1", "--moe-layer-interval", "0"});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "moescope-cli analyze: --moe-layer-interval 0 is out of range (allowed: 1 to 64 blocks)\n");
    r = cli({"compare", trace, trace, "--moe-layer-interval", "2"});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "moescope-cli compare: --moe-layer-interval needs --first-moe-layer\n");
    r = cli({"analyze", trace, "-m", tiny_model(), "--first-moe-layer", "1"});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "moescope-cli analyze: give -m MODEL or --first-moe-layer N, not both (the model knows its MoE layers)\n");

    const std::string missing = test::temp_dir() + "/no-such-vocab.gguf";
    r = cli({"compare", trace, trace, "--tokenizer", missing});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

    // Id 300 is one past the tiny vocabulary.
    const std::string outside = vllm_response("vllm-id-300.json", 300);
    r = cli({"compare", outside, outside, "--tokenizer", tiny_model()});
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(error(r), "moescope-cli compare: " + outside +
                            ": token id 300 at token 2 is outside the tokenizer's vocabulary of 300\n");
    // Three MoE layers against the model's two; expert 8 against its 8 experts.
    const std::string three = write_temp_file("vllm-three-layers.json",
                                    R"({"prompt_routed_experts":[[[0,1],[2,3],[4,5]]],"prompt_token_ids":[75]})");
    r = cli({"analyze", three, "-m", tiny_model()});
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(error(r), "moescope-cli analyze: " + three + ": the trace has 3 MoE layers but the model has 2\n");
    const std::string wide = vllm_response("vllm-expert-8.json", 36, "[0,1],[2,8]");
    r = cli({"analyze", wide, "-m", tiny_model()});
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(error(r), "moescope-cli analyze: " + wide + ": the trace holds expert 8 but the model has 8 experts\n");
}

}  // namespace
}  // namespace moe
