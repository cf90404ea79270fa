// Session files and CSV exports: exact round trips, exact bytes, readable errors, atomic writes.
#include <gtest/gtest.h>

#include <QDir>
#include <QFile>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include "gui_private/exports.h"
#include "gui_private/session_file.h"
#include "gui_private/synthetic_trace.h"
#include "support/test_support.h"

using namespace moe::gui;

namespace {

// Two tokens with the awkward parts: a comma and a quote in the text, a partial UTF-8 byte,
// a -inf score (masked group), a qwen2moe shared gate.
std::vector<moe::TokenTrace> handmadeTrace() {
    moe::TokenTrace a;
    a.step = 0;
    a.pos = 0;
    a.token_id = 17;
    a.text = "a,\"b";
    a.is_prompt = true;
    moe::LayerRouting r;
    r.layer = 1;
    r.probs = {0.5f, 0.25f, 0.125f, 0.125f};
    r.scores = {0.5f, 0.25f, -std::numeric_limits<float>::infinity(), 0.125f};
    r.experts = {0, 1};
    r.weights = {0.6666667f, 0.33333334f};
    r.shared_gate = 0.75f;
    a.moe_layers = {r};
    a.layer_time_ms = {1.5, 2.25};
    a.total_ms = 3.75;
    moe::TokenTrace b = a;
    b.step = 1;
    b.pos = 1;
    b.token_id = 99;
    b.text = "\xe2\x82";  // the first two bytes of "€"
    b.is_prompt = false;
    b.moe_layers[0].experts = {3, 0};
    b.moe_layers[0].weights = {0.5f, 0.5f};
    b.moe_layers[0].shared_gate = std::numeric_limits<float>::quiet_NaN();
    b.total_ms = 10;
    return {a, b};
}

bool sameBits(float x, float y) { return std::memcmp(&x, &y, sizeof x) == 0; }

}  // namespace

TEST(AppFiles, RoutingCsvHasTheCliBytes) {
    const std::string csv = routingCsv(handmadeTrace());
    EXPECT_EQ(csv,
              "step,pos,token_id,token_text,layer,rank,expert,weight,prob,score\n"
              "0,0,17,\"a,\"\"b\",1,0,0,0.666666687,0.5,0.5\n"
              "0,0,17,\"a,\"\"b\",1,1,1,0.333333343,0.25,0.25\n"
              "1,1,99,\\xE2\\x82,1,0,3,0.5,0.125,0.125\n"
              "1,1,99,\\xE2\\x82,1,1,0,0.5,0.5,0.5\n");
}

TEST(AppFiles, LatencyCsv) {
    EXPECT_EQ(latencyCsv(handmadeTrace(), 2),
              "step,pos,token_id,phase,total_ms,layer_0_ms,layer_1_ms\n"
              "0,0,17,prefill,3.75,1.5,2.25\n"
              "1,1,99,decode,10,1.5,2.25\n");
}

TEST(AppFiles, ExportWritesAtomicallyAndReportsErrors) {
    const QString dir = QString::fromStdString(moe::test::temp_dir());
    const QString path = dir + "/routing.csv";
    EXPECT_EQ(writeFileAtomically(path, routingCsv(handmadeTrace())), QString());
    EXPECT_EQ(moe::test::read_file(path.toStdString()), routingCsv(handmadeTrace()));
    EXPECT_TRUE(QDir(dir).entryList(QDir::Files).size() == 1) << "no temporary file left behind";
    const QString error = writeFileAtomically(dir + "/no/such/folder/x.csv", std::string("x"));
    EXPECT_FALSE(error.isEmpty());
    EXPECT_TRUE(error.contains("no/such/folder")) << error.toStdString();
}

TEST(AppFiles, SessionRoundTripIsBitExact) {
    SessionDocument doc;
    SyntheticShape shape;
    doc.model = syntheticModelInfo(shape);
    doc.model.params_total = 15'700'000'000'123;  // beyond a double's exact integers
    doc.model.params_by_type = {{"Q4_K", 123}, {"F32", 4}};
    doc.request.prompt = "Hello, \"world\"\n";
    doc.request.max_new_tokens = 7;
    doc.request.sampling.temperature = 0.7f;
    doc.request.sampling.seed = 42;
    doc.generated_text = QStringLiteral("caf\u00e9");
    doc.stats.prompt_tokens = 1;
    doc.stats.generated_tokens = 1;
    doc.stats.decode_ms = 12.5;
    doc.tokens = handmadeTrace();
    doc.model.n_expert = 4;
    doc.model.n_expert_used = 2;
    const SessionDocument back = parseSession(serializeSession(doc));
    EXPECT_EQ(back.model.params_total, doc.model.params_total);
    EXPECT_EQ(back.model.params_by_type, doc.model.params_by_type);
    EXPECT_EQ(back.model.moe_layers, doc.model.moe_layers);
    EXPECT_EQ(back.model.kv_bytes_per_token_mha, doc.model.kv_bytes_per_token_mha);
    EXPECT_EQ(back.request.prompt, doc.request.prompt);
    EXPECT_EQ(back.request.sampling.seed, 42u);
    EXPECT_EQ(back.request.sampling.temperature, 0.7f);
    EXPECT_EQ(back.generated_text, doc.generated_text);
    EXPECT_EQ(back.stats.decode_ms, 12.5);
    ASSERT_EQ(back.tokens.size(), 2u);
    EXPECT_EQ(back.tokens[1].text, "\xe2\x82");
    EXPECT_EQ(back.tokens[0].layer_time_ms, doc.tokens[0].layer_time_ms);
    const auto& r0 = back.tokens[0].moe_layers[0];
    EXPECT_TRUE(std::isinf(r0.scores[2]) && r0.scores[2] < 0);
    EXPECT_TRUE(sameBits(r0.weights[0], 0.6666667f));
    EXPECT_EQ(r0.shared_gate, 0.75f);
    EXPECT_TRUE(std::isnan(back.tokens[1].moe_layers[0].shared_gate));
    // What matters most: the exports of a reopened session equal the original's.
    EXPECT_EQ(routingCsv(back.tokens), routingCsv(doc.tokens));
}

TEST(AppFiles, CorruptSessionsGiveReadableErrors) {
    EXPECT_THROW(parseSession("{\"format\": \"moescope-session\", \"version\": 1, \"tokens\": [tru"), std::runtime_error);
    try {
        parseSession("[1, 2, 3]");
        FAIL() << "accepted a JSON array";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "not a MoEScope session file");
    }
    try {
        parseSession("{\"format\": \"moescope-session\", \"version\": 9}");
        FAIL();
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "unsupported session version 9");
    }
    const QString dir = QString::fromStdString(moe::test::temp_dir());
    SessionDocument doc;
    EXPECT_TRUE(openSession(dir + "/missing.json", &doc).contains("missing.json"));
}
