// perplexity, profile and prune through the command line: outputs, exports and errors.
#include <gtest/gtest.h>


#include "cli_harness.h"
#include "engine/demo_model.h"
#include "evaluation/corpus.h"
#include "support/test_support.h"

namespace moe {
namespace {

using test::cli;
using test::CliResult;
using test::lines_of;
using test::tiny_model;
using test::write_temp_file;


// The bundled English samples as one text (about 2000 demo-model tokens).
std::string english_text() {
    std::string text;
    for (const Document& doc : load_corpus(bundled_corpus_path() + "/english.jsonl")) text += doc.text + "\n\n";
    return write_temp_file("english.txt", text);
}

TEST(PerplexityCommand, SameNumbersWithOneOrTwoThreads) {
    const std::string text = english_text();
    const CliResult one = cli({"perplexity", "-f", text, "--ctx", "64", "--threads", "1"});
    const CliResult two = cli({"perplexity", "-f", text, "--ctx", "64", "--threads", "2"});
    ASSERT_EQ(one.code, 0) << one.err;
    ASSERT_EQ(two.code, 0) << two.err;
    EXPECT_EQ(one.out, two.out);
    const auto lines = lines_of(one.out);
    ASSERT_EQ(lines.size(), 4u) << one.out;
    EXPECT_EQ(lines[1].rfind("PPL = ", 0), 0u) << one.out;
    EXPECT_NE(lines[1].find(" +/- "), std::string::npos) << one.out;
    EXPECT_EQ(lines[2].rfind("FLOPs per token: ", 0), 0u) << one.out;
    EXPECT_EQ(lines[3].rfind("weight bytes per token: ", 0), 0u) << one.out;
}

TEST(PerplexityCommand, WhatIfsChangeTheWorkPerToken) {
    const std::string text = english_text();
    // Demo model: 16 experts top-2. --dense runs all 16, so used equals dense.
    const CliResult dense = cli({"perplexity", "-f", text, "--ctx", "64", "--dense"});
    ASSERT_EQ(dense.code, 0) << dense.err;
    EXPECT_NE(dense.out.find("dense (100.0%)\n"), std::string::npos) << dense.out;
}

TEST(PerplexityCommand, TooShortOrMissingTextIsAnError) {
    const CliResult missing = cli({"perplexity", "-f", "/nonexistent/text.txt"});
    EXPECT_EQ(missing.code, 1);
    EXPECT_EQ(missing.err, "moescope-cli perplexity: /nonexistent/text.txt: cannot read: No such file or directory\n");
    const CliResult short_text = cli({"perplexity", "-m", tiny_model(), "-f", write_temp_file("short.txt", "Hi"), "--ctx", "8"});
    EXPECT_EQ(short_text.code, 1);
    // BOS + "▁" (3 byte tokens) + H + i = 6 tokens.
    EXPECT_EQ(short_text.err,
              "moescope-cli perplexity: the text has 6 tokens; perplexity with a context of 8 needs at least 16\n");
    EXPECT_EQ(cli({"perplexity"}).code, 2);
}

// Two documents of "Hi" (5 tokens without BOS: "▁" as 3 bytes, H, i), windows of 4: each
// document gives [BOS ▁ ▁ ▁] and [BOS H i], so 14 tokens; 2 MoE layers × top-2 = 4 rows each.
TEST(ProfileCommand, RoutingCsvEndsWithDocAndDomain) {
    const std::string corpus = write_temp_file("two.jsonl", "{\"text\": \"Hi\", \"domain\": \"a\"}\n"
                                                  "{\"text\": \"Hi\", \"domain\": \"b,c\"}\n");
    const std::string csv_path = test::temp_dir() + "/profile.csv";
    const CliResult r = cli({"profile", "-m", tiny_model(), "--corpus", corpus, "--ctx", "4", "--routing-csv", csv_path});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "2 documents, 4 windows of up to 4 tokens, 14 tokens evaluated\n  a: 7 tokens\n  b,c: 7 tokens\n");
    const auto lines = lines_of(test::read_file(csv_path));
    ASSERT_EQ(lines.size(), 1u + 14 * 4);
    EXPECT_EQ(lines[0], "step,pos,token_id,token_text,layer,rank,expert,weight,prob,score,doc,domain");
    const int expected_pos[14] = {0, 1, 2, 3, 0, 1, 2, 0, 1, 2, 3, 0, 1, 2};
    for (int token = 0; token < 14; ++token) {
        for (int row = 0; row < 4; ++row) {
            const std::string& line = lines[1 + token * 4 + row];
            const std::string start = std::to_string(token) + "," + std::to_string(expected_pos[token]) + ",";
            EXPECT_EQ(line.rfind(start, 0), 0u) << line;
            if (expected_pos[token] == 0) {
                EXPECT_EQ(line.rfind(start + "1,<s>,", 0), 0u) << line;
            }
            const std::string tail = token < 7 ? ",0,a" : ",1,\"b,c\"";
            EXPECT_EQ(line.substr(line.size() - tail.size()), tail) << line;
        }
    }
}

// The same corpus as above: 14 tokens in 4 windows (each window is one sequence), 7 tokens
// per domain; every MoE layer of the tiny model reports them.
TEST(ProfileCommand, JsonCountsTokensWindowsAndDomains) {
    const std::string corpus = write_temp_file("two.jsonl", "{\"text\": \"Hi\", \"domain\": \"a\"}\n"
                                                  "{\"text\": \"Hi\", \"domain\": \"b,c\"}\n");
    const std::string json_path = test::temp_dir() + "/profile.json";
    const CliResult r = cli({"profile", "-m", tiny_model(), "--corpus", corpus, "--ctx", "4", "--json", json_path});
    ASSERT_EQ(r.code, 0) << r.err;
    std::string json;
    for (char ch : test::read_file(json_path))
        if (ch != ' ' && ch != '\n') json += ch;
    EXPECT_EQ(json.rfind("{\"tokens\":14,\"sequences\":4,", 0), 0u) << json.substr(0, 80);
    size_t layers = 0;
    for (size_t at = json.find("\"domains\":{"); at != std::string::npos; at = json.find("\"domains\":{", at + 1)) {
        const std::string first_domain = "\"domains\":{\"a\":{\"tokens\":7,\"share\"";
        EXPECT_EQ(json.compare(at, first_domain.size(), first_domain), 0) << json.substr(at, 40);
        EXPECT_NE(json.find("\"b,c\":{\"tokens\":7,", at), std::string::npos);
        ++layers;
    }
    EXPECT_EQ(layers, 2u);  // the tiny model's two MoE layers
}

TEST(ProfileCommand, MaxTokensStopsInsideAWindow) {
    const std::string corpus = write_temp_file("hi.txt", "Hi");
    const CliResult r = cli({"profile", "-m", tiny_model(), "--domain", "x=" + corpus, "--ctx", "4", "--max-tokens", "5"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "1 documents, 2 windows of up to 4 tokens, 5 tokens evaluated\n  x: 5 tokens\n");
}

TEST(ProfileCommand, BadCorporaGetOneLineErrors) {
    const std::string empty = write_temp_file("empty.jsonl", "\n\n");
    const CliResult r = cli({"profile", "-m", tiny_model(), "--corpus", empty});
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.err, "moescope-cli profile: " + empty + ": no documents (the corpus is empty)\n");
    const CliResult missing = cli({"profile", "-m", tiny_model(), "--domain", "code=/nonexistent/src"});
    EXPECT_EQ(missing.code, 1);
    EXPECT_EQ(missing.err, "moescope-cli profile: /nonexistent/src: no such file or folder\n");
    const CliResult bad_domain = cli({"profile", "-m", tiny_model(), "--domain", "novalue"});
    EXPECT_EQ(bad_domain.code, 2);
    EXPECT_EQ(bad_domain.err, "moescope-cli profile: --domain expects NAME=PATH, got 'novalue'\n");
}

TEST(PruneCommand, WritesAModelThatRuns) {
    const std::string profile = write_temp_file("loads.json", R"({"n_expert": 8, "layers": [)"
                                                    R"({"layer": 1, "load": [0, 5, 0, 0, 9, 0, 0, 0]},)"
                                                    R"({"layer": 2, "load": [3, 0, 0, 0, 0, 0, 0, 4]}]})");
    const std::string out = test::temp_dir() + "/pruned.gguf";
    const CliResult r = cli({"prune", "-m", tiny_model(), "--keep", "2", "--profile", profile, "-o", out});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "kept 2 of 8 experts per MoE layer (top-2), 8 tensors sliced\nlayer 1: 1 4\nlayer 2: 0 7\nwrote " +
                         out + "\n");
    const CliResult info = cli({"info", "-m", out});
    EXPECT_NE(info.out.find("experts:       2 routed, top-2, width 32\n"), std::string::npos) << info.out;
    const CliResult run = cli({"run", "-m", out, "-p", "Hi", "-n", "3", "--ignore-eos"});
    EXPECT_EQ(run.code, 0) << run.err;

    const CliResult zero = cli({"prune", "-m", tiny_model(), "--keep", "0", "--profile", profile, "-o", out});
    EXPECT_EQ(zero.code, 1);
    EXPECT_EQ(zero.err, "moescope-cli prune: --keep must be between 1 and 8 (the experts of " + tiny_model() +
                            "), got 0\n");
    const CliResult no_profile = cli({"prune", "-m", tiny_model(), "--keep", "2", "--profile", "/nonexistent.json", "-o", out});
    EXPECT_EQ(no_profile.code, 1);
    EXPECT_EQ(no_profile.err, "moescope-cli prune: /nonexistent.json: cannot read the profile: No such file or directory\n");
}

}  // namespace
}  // namespace moe
