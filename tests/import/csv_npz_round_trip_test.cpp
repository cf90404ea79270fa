// CSV -> .npz -> CSV: a routing CSV read, written as .npz, read back and written as CSV again
// gives the same bytes for every column the .npz schema holds.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "import/npz_trace.h"
#include "import/routing_csv.h"
#include "import/trace_reader.h"
#include "support/test_support.h"

namespace moe::import {
namespace {

std::string write_file(const std::string& name, const std::string& bytes) {
    const std::string path = test::temp_dir() + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
}

// Reads the CSV, writes it as .npz (deflated or stored), reads that and writes CSV again.
std::string through_npz(const std::string& csv, bool compress) {
    const analysis::RoutingTable from_csv = read_trace(write_file("round-trip.csv", csv));
    const std::string npz = write_file(compress ? "round-trip-deflated.npz" : "round-trip-stored.npz",
                                       npz_trace_bytes(from_csv, compress));
    return routing_csv_of_table(read_trace(npz));
}

const std::string kHeader = "step,pos,token_id,token_text,layer,rank,expert,weight,prob,score\n";

// Two runs (the position restarts at token 3), MoE blocks 1 and 3, top-2 of 4 experts; token
// texts with a quoted comma and quotes, a byte-fallback partial character (\xE2\x82), a
// backslash and a CJK character; a token without id (-1). A trace without router
// probabilities or scores writes them as nan.
const std::string kTrace = kHeader +
                           "0,0,1,<s>,1,0,3,0.625,nan,nan\n"
                           "0,0,1,<s>,1,1,0,0.375,nan,nan\n"
                           "0,0,1,<s>,3,0,2,1,nan,nan\n"
                           "0,0,1,<s>,3,1,1,0,nan,nan\n"
                           "1,1,450,\"a,\"\"b\"\"\",1,0,1,0.5,nan,nan\n"
                           "1,1,450,\"a,\"\"b\"\"\",1,1,2,0.5,nan,nan\n"
                           "1,1,450,\"a,\"\"b\"\"\",3,0,0,0.75,nan,nan\n"
                           "1,1,450,\"a,\"\"b\"\"\",3,1,3,0.25,nan,nan\n"
                           "2,2,31,\\xE2\\x82\\\\,1,0,0,0.125,nan,nan\n"
                           "2,2,31,\\xE2\\x82\\\\,1,1,1,0.875,nan,nan\n"
                           "2,2,31,\\xE2\\x82\\\\,3,0,3,0.5,nan,nan\n"
                           "2,2,31,\\xE2\\x82\\\\,3,1,2,0.5,nan,nan\n"
                           "3,0,-1,\xE4\xB8\xAD,1,0,2,1.5,nan,nan\n"
                           "3,0,-1,\xE4\xB8\xAD,1,1,3,-2.25,nan,nan\n"
                           "3,0,-1,\xE4\xB8\xAD,3,0,1,3,nan,nan\n"
                           "3,0,-1,\xE4\xB8\xAD,3,1,0,0.0009765625,nan,nan\n";

TEST(CsvNpzRoundTrip, SameBytesStoredAndDeflated) {
    EXPECT_EQ(through_npz(kTrace, false), kTrace);
    EXPECT_EQ(through_npz(kTrace, true), kTrace);
}

TEST(CsvNpzRoundTrip, TheTableReadBackIsTheCsvsTable) {
    const analysis::RoutingTable t = read_trace(write_file("round-trip-table.npz",
                                                           npz_trace_bytes(read_trace(write_file("t.csv", kTrace)), true)));
    EXPECT_EQ(t.layers, (std::vector<int>{1, 3}));
    EXPECT_EQ(t.n_expert, 4);
    EXPECT_EQ(t.token_ids, (std::vector<int32_t>{1, 450, 31, -1}));
    EXPECT_EQ(t.positions, (std::vector<int32_t>{0, 1, 2, 0}));
    EXPECT_EQ(t.sequences, (std::vector<uint32_t>{0, 0, 0, 1}));
    EXPECT_EQ(t.texts, (std::vector<std::string>{"<s>", "a,\"b\"", "\xE2\x82\\", "\xE4\xB8\xAD"}));
    EXPECT_EQ(t.chosen(1, 1)[1], 3);
    EXPECT_EQ(t.weights[15], 0.0009765625f);
}

// What `run --routing-csv` writes also has the router's prob and score, which the .npz schema
// does not hold: the other eight columns come back byte for byte.
TEST(CsvNpzRoundTrip, RunCsvKeepsEveryColumnTheSchemaHolds) {
    const std::string run = kHeader +
                            "0,0,1,<s>,1,0,3,0.625,0.5,1.25\n"
                            "0,0,1,<s>,1,1,0,0.375,0.25,-inf\n"
                            "1,1,450,x,1,0,1,0.5,0.125,0.75\n"
                            "1,1,450,x,1,1,2,0.5,0.125,0.5\n";
    const auto without_prob_and_score = [](const std::string& csv) {
        std::istringstream lines(csv);
        std::string line, kept;
        while (std::getline(lines, line)) kept += line.substr(0, line.rfind(',', line.rfind(',') - 1)) + "\n";
        return kept;
    };
    const std::string back = through_npz(run, true);
    EXPECT_EQ(without_prob_and_score(back), without_prob_and_score(run));
    EXPECT_NE(back.find("\n1,1,450,x,1,1,2,0.5,nan,nan\n"), std::string::npos) << back;
}

}  // namespace
}  // namespace moe::import
