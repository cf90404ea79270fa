// `moescope-cli analyze --json` against tools/analysis_reference.py, an independent numpy
// implementation of the definitions, on a routing CSV of the demo model with doc/domain columns.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli.h"
#include "demo_runs.h"
#include "engine/demo_model.h"
#include "engine/engine.h"
#include "support/test_support.h"

namespace moe {
namespace {

using nlohmann::json;

// Three greedy runs as three documents of two domains, in the CSV layout `profile` writes.
std::string demo_csv_with_domains() {
    std::string header = routing_csv_header();
    header.insert(header.size() - 1, ",doc,domain");
    std::string csv = header;
    const std::vector<test::LabelledPrompt> documents = {
        {"for (int i = 0; i < n; ++i)", "code"}, {"The old man walked to the", "english"}, {"def main():", "code"}};
    test::run_demo_prompts(documents, 30, [&](int doc, const TokenTrace& trace) {
        std::string rows;
        append_routing_csv(rows, trace);
        std::stringstream lines(rows);
        std::string line;
        while (std::getline(lines, line))
            csv += line + "," + std::to_string(doc) + "," + documents[static_cast<size_t>(doc)].domain + "\n";
    });
    return csv;
}

// Every value the reference wrote must be in ours: numbers within 1e-6 (ours are printed with
// 9 significant digits), nulls as nulls, arrays of equal length. Extra keys of ours are fine.
void expect_matches(const json& ours, const json& reference, const std::string& where, int& numbers) {
    if (reference.is_object()) {
        ASSERT_TRUE(ours.is_object()) << where;
        for (const auto& [key, value] : reference.items()) {
            ASSERT_TRUE(ours.contains(key)) << where << "." << key << " missing";
            expect_matches(ours[key], value, where + "." + key, numbers);
        }
    } else if (reference.is_array()) {
        ASSERT_TRUE(ours.is_array()) << where;
        ASSERT_EQ(ours.size(), reference.size()) << where;
        for (size_t i = 0; i < reference.size(); ++i)
            expect_matches(ours[i], reference[i], where + "[" + std::to_string(i) + "]", numbers);
    } else if (reference.is_null()) {
        EXPECT_TRUE(ours.is_null()) << where << " = " << ours;
    } else if (reference.is_number()) {
        ASSERT_TRUE(ours.is_number()) << where << " = " << ours;
        const double a = ours.get<double>(), b = reference.get<double>();
        EXPECT_NEAR(a, b, 1e-6 * std::max(1.0, std::abs(b))) << where;
        ++numbers;
    } else {
        EXPECT_EQ(ours, reference) << where;
    }
}

TEST(Reference, AnalyzeMatchesTheNumpyImplementation) {
    if (std::system("/usr/bin/python3 -c 'import numpy' > /dev/null 2>&1") != 0)
        GTEST_SKIP() << "/usr/bin/python3 with numpy is needed for the reference (apt install python3-numpy)";
    if (!std::ifstream(demo_model_path()).good()) GTEST_SKIP() << "demo model not found at " << demo_model_path();
    const std::string dir = test::temp_dir();
    const std::string csv_path = dir + "/demo.csv";
    std::ofstream(csv_path, std::ios::binary) << demo_csv_with_domains();
    const int n_expert = Model::load(demo_model_path())->info().n_expert;

    const std::string ours_path = dir + "/ours.json", reference_path = dir + "/reference.json";
    std::ostringstream out, err;
    const int code = cli::run({"analyze", csv_path, "--json", ours_path, "--cache-sizes", "2,3,5,8", "--min-count", "3"},
                              out, err);
    ASSERT_EQ(code, 0) << err.str();
    const std::string command = "/usr/bin/python3 " MOESCOPE_SOURCE_DIR "/tools/analysis_reference.py " + csv_path +
                                " --n-expert " + std::to_string(n_expert) +
                                " --cache-sizes 2,3,5,8 --min-count 3 --json " + reference_path;
    ASSERT_EQ(std::system(command.c_str()), 0) << command;

    const json ours = json::parse(test::read_file(ours_path));
    const json reference = json::parse(test::read_file(reference_path));
    for (const char* key : {"layer", "k", "load", "share", "cv", "entropy", "max_vio", "balance_fp", "dead", "repeat_top1",
                            "repeat_top1_random", "repeat_any", "repeat_any_random", "coactivation", "next_layer_mi_bits",
                            "cache", "distinct_per_window", "coverage", "domains", "domain_mi_bits"})
        EXPECT_TRUE(reference["layers"][0].contains(key)) << key;
    EXPECT_EQ(reference["sequences"], 3);
    EXPECT_EQ(reference["layers"][0]["domains"].size(), 2u);
    int numbers = 0;
    expect_matches(ours, reference, "", numbers);
    EXPECT_GT(numbers, 2000);  // load, shares, matrices, caches, vocabulary of every layer
}

}  // namespace
}  // namespace moe
