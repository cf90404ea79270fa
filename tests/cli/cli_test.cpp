// moescope-cli run in-process: output formats byte for byte, exports, and errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "cli_harness.h"
#include "engine/engine.h"
#include "models/synthetic_model.h"
#include "support/test_support.h"
#include "util/huge_pages.h"

namespace moe {
namespace {

using test::cli;
using test::CliResult;
using test::lines_of;
using test::tiny_model;

TEST(Cli, InfoDescribesTheModel) {
    const CliResult r = cli({"info", "-m", tiny_model()});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("architecture:  deepseek2\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("layers:        3 (2 MoE, 1 dense)\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("experts:       8 routed, top-2, width 32\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("shared:        1 (fused width 32)\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("blocks:        dense FFN, then MoE + shared ×2\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("q8_0"), std::string::npos) << r.out;
    // The tiny model fits in memory, so the default load copies it wherever the kernel has huge pages.
    EXPECT_NE(r.out.find(huge_pages_available() ? "weights:       copied into 2 MiB pages\n"
                                                : "weights:       read through the file mapping\n"),
              std::string::npos)
        << r.out;
}

TEST(Cli, TokenizePrintsIdsAndBytes) {
    // Byte-fallback vocabulary: BOS, "▁" as three bytes, then 'H' and 'i'.
    const CliResult r = cli({"tokenize", "-m", tiny_model(), "-p", "Hi"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "1\t<s>\n229\t\xE2\n153\t\x96\n132\t\x81\n75\tH\n108\ti\n");
}

TEST(Cli, RoutingCsvMatchesTheEngineTrace) {
    const std::string csv_path = test::temp_dir() + "/routing.csv";
    const CliResult r = cli({"run", "-m", tiny_model(), "-p", "a,b \"c\"", "-n", "6", "--ignore-eos", "--routing-csv", csv_path});
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string csv = test::read_file(csv_path);

    // The same run through the API, written with the shared CSV writer.
    const auto model = Model::load(tiny_model());
    Session session(model);
    GenerationRequest request;
    request.prompt = "a,b \"c\"";
    request.max_new_tokens = 6;
    request.stop_at_eos = false;
    std::string expected = routing_csv_header();
    GenerationEvents events;
    events.on_trace = [&](const TokenTrace& t) { append_routing_csv(expected, t); };
    const GenerationResult result = session.generate(request, events);
    EXPECT_EQ(csv, expected);

    const auto lines = lines_of(csv);
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines[0], "step,pos,token_id,token_text,layer,rank,expert,weight,prob,score");
    const size_t steps = result.prompt_tokens.size() + result.generated_tokens.size() - 1;
    EXPECT_EQ(lines.size(), 1 + steps * 2 /* MoE layers */ * 2 /* top-k */);
    EXPECT_EQ(lines[1].rfind("0,0,1,<s>,1,0,", 0), 0u) << lines[1];
    EXPECT_NE(csv.find(",\",\","), std::string::npos) << "a comma token must be quoted";
    EXPECT_NE(csv.find(",\"\"\"\","), std::string::npos) << "a quote token must be doubled and quoted";
}

TEST(Cli, LogitsCsvHasTopKPerPosition) {
    const std::string path = test::temp_dir() + "/logits.csv";
    const CliResult r = cli({"run", "-m", tiny_model(), "-p", "xyz", "-n", "3", "--ignore-eos", "--logits-csv", path, "--logits-top", "5"});
    ASSERT_EQ(r.code, 0) << r.err;
    const auto lines = lines_of(test::read_file(path));
    // BOS, "▁" as three byte tokens, x, y, z: 7 prompt positions, then 2 of the 3 generated tokens.
    ASSERT_EQ(lines.size(), 1u + (7 + 2) * 5);
    EXPECT_EQ(lines[0], "step,pos,rank,token_id,logit");
    EXPECT_EQ(lines[1].rfind("0,0,0,", 0), 0u) << lines[1];
    EXPECT_EQ(lines[45].rfind("8,8,4,", 0), 0u) << lines[45];
}

TEST(Cli, UnwritableExportFailsBeforeRunning) {
    const CliResult r = cli({"run", "-m", tiny_model(), "-p", "x", "--routing-csv", "/proc/no-such-folder/r.csv"});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "moescope-cli run: --routing-csv: cannot write '/proc/no-such-folder/r.csv': "
                     "folder '/proc/no-such-folder' does not exist\n");
    EXPECT_EQ(r.out, "");
}

TEST(Cli, MissingModelAndBadUsage) {
    const CliResult missing = cli({"info", "-m", "/nonexistent/model.gguf"});
    EXPECT_EQ(missing.code, 1);
    EXPECT_NE(missing.err.find("/nonexistent/model.gguf"), std::string::npos) << missing.err;
    const CliResult unknown = cli({"run", "--bogus"});
    EXPECT_EQ(unknown.code, 2);
    EXPECT_NE(unknown.err.find("unknown option --bogus"), std::string::npos);
    EXPECT_EQ(cli({"frobnicate"}).code, 2);
}

TEST(Cli, PromptLongerThanContext) {
    const CliResult r = cli({"run", "-m", tiny_model(), "-p", std::string(100, 'x'), "-n", "4", "--ctx", "32"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("context holds 32"), std::string::npos) << r.err;
}

TEST(Cli, BenchWritesItsJson) {
    const std::string path = test::temp_dir() + "/bench.json";
    const CliResult r = cli({"bench", "-m", tiny_model(), "-p", "16", "-n", "8", "--threads", "2", "--json", path});
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string json = test::read_file(path);
    for (const char* key : {"\"prefill_tok_s\":", "\"decode_tok_s\":", "\"weight_bytes_per_token\":", "\"bandwidth_gb_s\":",
                            "\"bandwidth_fraction\":", "\"trace_overhead\":", "\"prefill_tok_s_exact\":",
                            "\"decode_tok_s_exact\":"})
        EXPECT_NE(json.find(key), std::string::npos) << key << " in " << json;
    // 8 tokens decode in 8 stretches of one token, with a read of the bandwidth before each and
    // after the last.
    auto entries = [&json](const std::string& key) {
        const size_t open = json.find("\"" + key + "\":[");
        if (open == std::string::npos) return -1;
        const size_t close = json.find(']', open);
        return static_cast<int>(std::count(json.begin() + static_cast<std::ptrdiff_t>(open),
                                           json.begin() + static_cast<std::ptrdiff_t>(close), ',')) + 1;
    };
    EXPECT_EQ(entries("bandwidth_reads"), 9) << json;
    EXPECT_EQ(entries("stretch_fractions"), 8) << json;
    EXPECT_NE(json.find(huge_pages_available() ? "\"weights\":\"huge_pages\"" : "\"weights\":\"file_mapping\""),
              std::string::npos)
        << json;
}

TEST(Cli, BenchWithMmapReadsTheWeightsThroughTheMapping) {
    const std::string path = test::temp_dir() + "/bench-mmap.json";
    const CliResult r = cli({"bench", "-m", tiny_model(), "-p", "4", "-n", "2", "--mmap", "--json", path});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find(", weights read through the file mapping\n"), std::string::npos) << r.err;
    EXPECT_NE(test::read_file(path).find("\"weights\":\"file_mapping\""), std::string::npos) << test::read_file(path);
}

TEST(Cli, RunMatchesLlamaCppRoutingEndToEnd) {
    MOE_REQUIRE_CONFORMANCE(root);
    const std::string path = test::temp_dir() + "/llama-moe.csv";
    const CliResult r = cli({"run", "-m", root + "/models/llama-moe-f32.gguf", "-p",
                             "Mixture-of-Experts models route each token to a few experts.", "-n", "24", "--ignore-eos",
                             "--routing-csv", path});
    ASSERT_EQ(r.code, 0) << r.err;
    // Same (step, token, layer, rank, expert) sequence as llama.cpp's routing.csv.
    auto key_columns = [](const std::string& file, std::vector<int> columns) {
        std::vector<std::string> keys;
        for (const auto& line : lines_of(test::read_file(file))) {
            std::vector<std::string> fields;
            std::stringstream ss(line);
            std::string f;
            while (std::getline(ss, f, ',')) fields.push_back(f);
            std::string key;
            for (int c : columns) key += fields[c] + "|";
            keys.push_back(key);
        }
        keys.erase(keys.begin());
        std::sort(keys.begin(), keys.end());  // llama.cpp's dump is ordered by layer, ours by step
        return keys;
    };
    EXPECT_EQ(key_columns(path, {0, 2, 4, 5, 6}),
              key_columns(root + "/dumps/llama-moe-f32/p1/routing.csv", {0, 1, 2, 3, 4}));
}

}  // namespace
}  // namespace moe
