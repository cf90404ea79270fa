// `profile` on the demo model over the bundled samples shows the specialisation that
// resources/models/demo-moe.md reports, counted here from the routing CSV by the definitions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <map>
#include <set>
#include <sstream>

#include "cli_harness.h"
#include "support/test_support.h"

namespace moe {
namespace {

struct Row {
    int step, layer, rank, expert;
    std::string domain;
};

// The fields this test needs; token_text may be quoted, so the row is read from both ends.
Row parse(const std::string& line) {
    std::vector<std::string> tail;
    size_t end = line.size();
    for (int i = 0; i < 8; ++i) {  // domain, doc, score, prob, weight, expert, rank, layer
        const size_t comma = line.rfind(',', end - 1);
        tail.push_back(line.substr(comma + 1, end - comma - 1));
        end = comma;
    }
    return {std::stoi(line.substr(0, line.find(','))), std::stoi(tail[7]), std::stoi(tail[6]), std::stoi(tail[5]),
            tail[0]};
}

TEST(DemoSpecialisation, DomainsHaveBusyExpertsAndTheFirstChoiceTellsTheDomain) {
    const std::string csv = test::temp_dir() + "/demo-profile.csv";
    const test::CliResult r = test::cli({"profile", "--routing-csv", csv});
    ASSERT_EQ(r.code, 0) << r.err;
    // A quoted token_text may hold a newline: a record ends where its quotes balance.
    std::vector<std::string> lines;
    std::string record;
    for (const std::string& line : test::lines_of(test::read_file(csv))) {
        record += record.empty() ? line : "\n" + line;
        if (std::count(record.begin(), record.end(), '"') % 2 == 0) lines.push_back(std::exchange(record, {}));
    }
    ASSERT_GT(lines.size(), 1u);

    std::map<std::pair<int, std::string>, std::map<int, int>> chosen;  // (layer, domain) -> expert -> tokens
    std::map<std::pair<int, std::string>, std::set<int>> tokens;       // (layer, domain) -> steps
    std::map<int, std::map<std::pair<std::string, int>, int>> first;   // layer -> (domain, rank-0 expert) -> count
    for (size_t i = 1; i < lines.size(); ++i) {
        const Row row = parse(lines[i]);
        ++chosen[{row.layer, row.domain}][row.expert];
        tokens[{row.layer, row.domain}].insert(row.step);
        if (row.rank == 0) ++first[row.layer][{row.domain, row.expert}];
    }
    ASSERT_EQ(first.size(), 4u);  // MoE blocks 1-4
    const std::vector<std::string> domains = {"english", "chinese", "code", "math"};
    for (const auto& [layer, joint] : first) {
        // I(domain; rank-0 expert) in bits from the joint counts. The report gives 0.52-0.92
        // bits per layer on its held-out windows; blind routing would give about 0.
        double n = 0;
        std::map<std::string, double> p_domain;
        std::map<int, double> p_expert;
        for (const auto& [key, count] : joint) {
            n += count;
            p_domain[key.first] += count;
            p_expert[key.second] += count;
        }
        double mi = 0;
        for (const auto& [key, count] : joint)
            mi += count / n * std::log2(count * n / (p_domain[key.first] * p_expert[key.second]));
        EXPECT_GT(mi, 0.3) << "layer " << layer;
        // A domain's busiest expert: the report's smallest is 24% (chinese, layer 1), against
        // 2/16 = 12.5% for blind routing.
        for (const std::string& domain : domains) {
            int busiest = 0;
            for (const auto& [expert, count] : chosen[{layer, domain}]) busiest = std::max(busiest, count);
            const double share = static_cast<double>(busiest) / tokens[{layer, domain}].size();
            EXPECT_GT(share, 0.2) << "layer " << layer << " " << domain;
        }
    }
}

}  // namespace
}  // namespace moe
