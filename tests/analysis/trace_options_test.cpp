// analyze and compare on imported traces: -m MODEL, --first-moe-layer/--moe-layer-interval and
// --tokenizer place the MoE layers and decode the token ids; every bad value is one line.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli.h"
#include "support/test_support.h"

namespace moe {
namespace {

struct CliResult {
    int code;
    std::string out, err;
};

CliResult cli(const std::vector<std::string>& args) {
    std::ostringstream out, err;
    const int code = cli::run(args, out, err);
    return {code, out.str(), err.str()};
}

std::string write(const std::string& name, const std::string& text) {
    const std::string path = test::temp_dir() + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

// deepseek2 "tiny": blocks 0..2, block 0 dense, so MoE blocks 1 and 2; 8 experts; the synthetic
// vocabulary of 300 has <unk>, <s>, </s>, then byte b as id 3 + b.
const std::string& tiny_model() {
    static const std::string path = [] {
        const std::string p = test::temp_dir() + "/trace-options-tiny.gguf";
        const CliResult r = cli({"synth", "--arch", "deepseek2", "--preset", "tiny", "-o", p});
        EXPECT_EQ(r.code, 0) << r.err;
        return p;
    }();
    return path;
}

// A vLLM completion: two prompt tokens 'H' 'i' (75, 108) and one generated '!' (36), two MoE
// layers numbered 0 and 1, top-2. `last_id` replaces the generated token's id.
std::string vllm_response(const std::string& name, int last_id = 36, const std::string& layer_sets = "[0,1],[2,3]") {
    return write(name, R"({"object":"text_completion","prompt_token_ids":[75,108],)"
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
    const std::string three = write("vllm-three-layers.json",
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
