// whatif through the command line: the summary, the CSV and JSON exports, and bad options.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_harness.h"
#include "support/test_support.h"

namespace moe {
namespace {

using test::cli;
using test::CliResult;
using test::lines_of;

TEST(WhatIfCommand, TopOneOnTheDemoModelSavesOneExpertPerMoeLayer) {
    const std::string dir = test::temp_dir();
    const CliResult r = cli({"whatif", "-p", "17+25=", "-n", "2", "--top-k", "1", "--csv", dir + "/w.csv", "--json",
                             dir + "/w.json"});
    ASSERT_EQ(r.code, 0) << r.err;
    // BOS, the leading space and 6 characters, then 2 generated: 9 positions predict the next token.
    const auto csv = lines_of(test::read_file(dir + "/w.csv"));
    ASSERT_EQ(csv.size(), 10u);
    EXPECT_EQ(csv[0],
              "pos,token_id,token_text,target_id,target_text,kl,delta_logprob,greedy_baseline,greedy_what_if,"
              "greedy_changed,routing_changed,flops_saved,weight_bytes_saved");
    // 4 MoE layers × one 128 × 128 × 3 F16 expert: 98304 FLOPs and 98304 bytes each.
    EXPECT_NE(csv[1].find(",1,393216,393216"), std::string::npos) << csv[1];
    const auto json = nlohmann::json::parse(test::read_file(dir + "/w.json"));
    EXPECT_EQ(json["overrides"]["top_k"], 1);
    EXPECT_EQ(json["summary"]["positions"], 9);
    EXPECT_DOUBLE_EQ(json["summary"]["flops_saved"].get<double>(), 9 * 393216.0);
    EXPECT_EQ(json["summary"]["first_routing_change"], 0);
    EXPECT_TRUE(json["complete"].get<bool>());
    EXPECT_NE(r.out.find("9 positions: mean KL "), std::string::npos) << r.out;
}

TEST(WhatIfCommand, BadOptionsAreOneLineUsageErrors) {
    const CliResult nothing = cli({"whatif", "-p", "x"});
    EXPECT_EQ(nothing.code, 2);
    EXPECT_EQ(nothing.err, "moescope-cli whatif: nothing to change: give --top-k K, --dense or --disable-expert LAYER:EXPERT\n");
    const CliResult layer = cli({"whatif", "-p", "x", "--disable-expert", "0:1"});
    EXPECT_EQ(layer.code, 2);
    EXPECT_NE(layer.err.find("layer 0 is not a MoE layer (allowed: 1 to 4)"), std::string::npos) << layer.err;
    const CliResult k = cli({"whatif", "-p", "x", "--top-k", "17"});
    EXPECT_EQ(k.code, 2);
    EXPECT_NE(k.err.find("17 is out of range (allowed: 1 to 16, the model's experts)"), std::string::npos) << k.err;
    const CliResult n = cli({"whatif", "-p", "x", "--dense", "-n", "-1"});
    EXPECT_EQ(n.code, 2);
    const CliResult path = cli({"whatif", "-p", "x", "--dense", "--csv", test::temp_dir() + "/missing/w.csv"});
    EXPECT_EQ(path.code, 2);
    EXPECT_EQ(lines_of(path.err).size(), 1u) << path.err;
}

}  // namespace
}  // namespace moe
