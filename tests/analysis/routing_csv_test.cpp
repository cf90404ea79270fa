// The routing-CSV reader: layout, escapes, quoting, sequence boundaries and one-line errors.
#include <gtest/gtest.h>

#include <fstream>

#include "import/routing_csv.h"
#include "import/trace_reader.h"
#include "support/test_support.h"

namespace moe::import {
namespace {

const std::string kHeader = "step,pos,token_id,token_text,layer,rank,expert,weight,prob,score\n";

std::string write_csv(const std::string& name, const std::string& text) {
    const std::string path = test::temp_dir() + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

// The message of the TraceError reading `text` throws.
std::string error_of(const std::string& text, int n_expert = 0) {
    const std::string path = write_csv("bad.csv", text);
    try {
        TraceReadOptions options;
        options.n_expert = n_expert;
        read_trace(path, options);
    } catch (const TraceError& e) {
        const std::string message = e.what();
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
        EXPECT_EQ(message.find(path), 0u) << message;
        return message.substr(path.size());
    }
    ADD_FAILURE() << "no error for:\n" << text;
    return "";
}

TEST(RoutingCsv, ReadsTokensLayersAndRanks) {
    const std::string path = write_csv("ok.csv", kHeader +
                                                     "0,0,1,<s>,1,0,3,0.6,0.5,0.5\n"
                                                     "0,0,1,<s>,1,1,0,0.4,0.3,0.3\n"
                                                     "0,0,1,<s>,2,1,5,0.1,0.1,0.1\n"  // ranks out of order
                                                     "0,0,1,<s>,2,0,2,0.9,0.8,0.8\n"
                                                     "1,1,7,\"a,\"\"b\"\"\",1,0,1,1,0.9,0.9\n"
                                                     "1,1,7,\"a,\"\"b\"\"\",2,0,4,1,0.7,0.7\n");
    TraceReadOptions options;
    options.n_expert = 8;
    const analysis::RoutingTable table = read_trace(path, options);
    EXPECT_EQ(table.n_expert, 8);
    EXPECT_EQ(table.layers, (std::vector<int>{1, 2}));
    EXPECT_EQ(table.max_k, 2);
    EXPECT_EQ(table.token_ids, (std::vector<int32_t>{1, 7}));
    EXPECT_EQ(table.texts[1], "a,\"b\"");
    EXPECT_EQ(table.sequences, (std::vector<uint32_t>{0, 0}));
    // Token 0: layer 1 {3,0}, layer 2 {2,5}; token 1: {1,-}, {4,-}.
    const std::vector<analysis::ExpertId> expected = {3, 0, 2, 5, 1, analysis::kNoExpert, 4, analysis::kNoExpert};
    EXPECT_EQ(table.experts, expected);
    EXPECT_FLOAT_EQ(table.weights[2], 0.9f);
    EXPECT_TRUE(table.probs.empty());  // only the chosen experts' probabilities are in the file
}

TEST(RoutingCsv, InfersExpertCountWithoutOne) {
    const std::string path = write_csv("infer.csv", kHeader + "0,0,1,x,0,0,11,1,1,1\n");
    EXPECT_EQ(read_trace(path).n_expert, 12);
}

TEST(RoutingCsv, DecodesTokenTextEscapes) {
    EXPECT_EQ(decode_token_text("\\xe4\\xb8"), "\xe4\xb8");
    EXPECT_EQ(decode_token_text("a\\\\b"), "a\\b");
    EXPECT_EQ(decode_token_text("\\xZZ\\n"), "\\xZZ\\n");  // not our escapes: kept as written
    EXPECT_EQ(decode_token_text("\\"), "\\");
    const std::string path = write_csv("escapes.csv", kHeader + "0,0,1,\\xff\\\\,0,0,1,1,1,1\n");
    EXPECT_EQ(read_trace(path).texts[0], "\xff\\");
}

TEST(RoutingCsv, QuotedNewlinesAndCrlf) {
    const std::string path = write_csv("crlf.csv",
                                       "step,pos,token_id,token_text,layer,rank,expert,weight,prob,score\r\n"
                                       "0,0,1,\"line\r\nbreak\",0,0,1,1,1,1\r\n"
                                       "1,1,2,\"\",0,0,2,1,1,1\r\n");
    const analysis::RoutingTable table = read_trace(path);
    EXPECT_EQ(table.texts[0], "line\r\nbreak");
    EXPECT_EQ(table.texts[1], "");
    EXPECT_EQ(table.token_count(), 2u);
}

// fuzz_routing_csv finding crash-e5b26463 (heap-use-after-free): a record whose first quoted
// field is short and whose later quoted field is the first at its index grew the reader's
// store of quoted texts and left the earlier field's view dangling.
TEST(RoutingCsv, FuzzCrashE5b26463TwoQuotedFieldsInOneRecord) {
    const std::string header = "step,pos,token_id,token_text,layer,rank,expert,weight,prob,score,doc,domain\n";
    const std::string path = write_csv("two-quoted.csv", header +
                                                             "0,0,7,\"\"\"q\"\"\",1,0,2,1,0.5,0,0,\"prose, long\"\n"
                                                             "1,1,8,\"a,b\",1,0,1,1,0.5,0,0,\"prose, long\"\n");
    const analysis::RoutingTable table = read_trace(path);
    EXPECT_EQ(table.texts, (std::vector<std::string>{"\"q\"", "a,b"}));
    EXPECT_EQ(table.domain_names, (std::vector<std::string>{"prose, long"}));
    EXPECT_EQ(table.domains, (std::vector<int16_t>{0, 0}));
}

TEST(RoutingCsv, SequencesSplitAtDocumentsAndPositionJumps) {
    const std::string header = "step,pos,token_id,token_text,layer,rank,expert,weight,prob,score,doc,domain\n";
    const std::string path = write_csv("docs.csv", header +
                                                       "0,0,1,a,0,0,1,1,1,1,0,code\n"
                                                       "1,1,1,a,0,0,1,1,1,1,0,code\n"
                                                       "2,0,1,a,0,0,1,1,1,1,1,math\n"  // new doc
                                                       "3,1,1,a,0,0,1,1,1,1,1,math\n"
                                                       "4,0,1,a,0,0,1,1,1,1,1,math\n"  // pos restarts: new window
                                                       "5,7,1,a,0,0,1,1,1,1,1,\n");    // pos jumps, no domain
    const analysis::RoutingTable table = read_trace(path);
    EXPECT_EQ(table.sequences, (std::vector<uint32_t>{0, 0, 1, 1, 2, 3}));
    EXPECT_EQ(table.domain_names, (std::vector<std::string>{"code", "math"}));
    EXPECT_EQ(table.domains, (std::vector<int16_t>{0, 0, 1, 1, 1, -1}));
}

TEST(RoutingCsv, ClearOneLineErrors) {
    EXPECT_EQ(error_of(""), ": empty file, expected the routing CSV header");
    EXPECT_EQ(error_of(kHeader), ": no routing rows after the header");
    EXPECT_EQ(error_of("step,pos,token_id,token_text,layer,weight\n0,0,1,a,0,1\n"),
              ":1: missing column(s) rank, expert (expected step,pos,token_id,token_text,layer,rank,expert,weight,prob,score)");
    EXPECT_EQ(error_of(kHeader + "0,0,1,a,0,0,1,1,1,1\n0,0,1,a,0,1,x,1,1,1\n"), ":3: column 'expert': 'x' is not an integer");
    EXPECT_EQ(error_of(kHeader + "0,0,1,a,0,0,1,heavy,1,1\n"), ":2: column 'weight': 'heavy' is not a number");
    EXPECT_EQ(error_of(kHeader + "0,0,1,a,0,0,16,1,1,1\n", 16), ":2: expert 16 is out of range: the model has 16 experts");
    EXPECT_EQ(error_of(kHeader + "0,0,1,a,0,0,-2,1,1,1\n", 16), ":2: expert -2 is out of range: the model has 16 experts");
    // Without the model, n_expert is the largest id + 1, which must stay below 0xFFFF (the empty slot).
    EXPECT_EQ(error_of(kHeader + "0,0,1,a,0,0,65534,1,1,1\n"), ":2: expert 65534 is out of range: ids must be below 65534");
    EXPECT_EQ(error_of(kHeader + "0,0,1,a,0,0,1,1,1\n"), ":2: 9 fields, the header has 10");
    EXPECT_EQ(error_of(kHeader + "0,0,1,\"a,0,0,1,1,1,1\n"), ":2: a quoted field is not closed before the end of the file");
    EXPECT_EQ(error_of(kHeader + "0,0,1,\"a\"b,0,0,1,1,1,1\n"), ":2: text after the closing quote of field 4");
    EXPECT_EQ(error_of(kHeader + "0,0,1,a,0,0,1,1,1,1\n0,0,1,a,0,2,3,1,1,1\n"), ":3: step 0 layer 0: rank 2 follows a missing rank");
    EXPECT_EQ(error_of(kHeader + "0,0,1,a,0,0,1,1,1,1\n0,0,1,a,0,0,3,1,1,1\n"), ":3: step 0 layer 0: rank 0 appears twice");
    EXPECT_EQ(error_of(kHeader + "0,0,1,a,0,0,1,1,1,1\n0,0,1,a,0,1,1,1,1,1\n"), ":3: step 0 layer 0: expert 1 is chosen twice");
    EXPECT_EQ(error_of(kHeader + "0,0,1,a,0,0,1,1,1,1\n1,1,1,a,3,0,1,1,1,1\n"),
              ":3: layer 3 is not among the MoE layers of the first token (0)");
    EXPECT_EQ(error_of(kHeader + "0,0,1,a,0,0,1,1,1,1\n0,0,1,a,1,0,1,1,1,1\n1,1,1,a,0,0,1,1,1,1\n"),
              ":4: step 1 has no rows for layer 1");
    EXPECT_EQ(error_of(kHeader + "0,-1,1,a,0,0,1,1,1,1\n"), ":2: column 'pos': -1 is out of range");
}

TEST(RoutingCsv, UnreadableAndUnknownFiles) {
    try {
        read_trace(test::temp_dir() + "/missing.csv");
        FAIL();
    } catch (const TraceError& e) {
        EXPECT_NE(std::string(e.what()).find("missing.csv': No such file or directory"), std::string::npos) << e.what();
    }
    const std::string path = write_csv("notes.txt", "hello\n");
    try {
        read_trace(path);
        FAIL();
    } catch (const TraceError& e) {
        EXPECT_NE(std::string(e.what()).find("unknown trace format"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace moe::import
