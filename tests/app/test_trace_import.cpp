// Opening traces recorded elsewhere: the session they become, off-thread reading, errors, cancel.
#include <gtest/gtest.h>

#include <QSignalSpy>

#include "app_test_util.h"
#include "gui_private/trace_import.h"
#include "import/npz_trace.h"
#include "support/test_support.h"
#include "widgets/main_window.h"

using namespace moe::gui;

namespace {

// Two tokens of one run; MoE blocks 3 and 5; top-2 of 4 experts.
moe::analysis::RoutingTable twoTokens() {
    moe::analysis::RoutingTable t;
    t.n_expert = 4;
    t.max_k = 2;
    t.layers = {3, 5};
    t.model = "DeepSeek-V3";
    t.token_ids = {11, 12};
    t.positions = {0, 1};
    t.sequences = {0, 0};
    t.texts = {"Hi", "!"};
    t.experts = {3, 1, 0, 2, 1, 3, 2, 0};
    t.weights = {0.75f, 0.25f, 0.5f, 0.5f, 0.9f, 0.1f, 0.6f, 0.4f};
    return t;
}

// tokens × 61 MoE layers × top-8 of 256, ids cycling.
moe::analysis::RoutingTable deepSeekShaped(size_t tokens) {
    moe::analysis::RoutingTable t;
    t.n_expert = 256;
    t.max_k = 8;
    for (int l = 0; l < 61; ++l) t.layers.push_back(l);
    t.token_ids.assign(tokens, -1);
    t.sequences.assign(tokens, 0);
    for (size_t i = 0; i < tokens; ++i) t.positions.push_back(static_cast<int32_t>(i));
    t.experts.resize(tokens * 61 * 8);
    for (size_t i = 0; i < t.experts.size(); ++i) t.experts[i] = static_cast<uint16_t>((i / 8 * 8 + i % 8 * 17) % 256);
    return t;
}

}  // namespace

TEST(TraceImport, SessionHoldsWhatTheTraceSays) {
    const SessionDocument doc =
        sessionFromTable(std::make_shared<moe::analysis::RoutingTable>(twoTokens()), QStringLiteral("/tmp/t.npz"));
    EXPECT_EQ(doc.model.name, "DeepSeek-V3");
    EXPECT_EQ(doc.model.n_expert, 4);
    EXPECT_EQ(doc.model.n_expert_used, 2);
    EXPECT_EQ(doc.model.moe_layers, (std::vector<int>{3, 5}));
    EXPECT_EQ(doc.model.n_layer, 6);
    ASSERT_EQ(doc.tokens.size(), 2u);
    const moe::TokenTrace& second = doc.tokens[1];
    EXPECT_EQ(second.step, 1);
    EXPECT_EQ(second.token_id, 12);
    EXPECT_EQ(second.text, "!");
    ASSERT_EQ(second.moe_layers.size(), 2u);
    EXPECT_EQ(second.moe_layers[1].layer, 5);
    EXPECT_EQ(second.moe_layers[1].experts, (std::vector<int>{2, 0}));
    EXPECT_EQ(second.moe_layers[1].weights, (std::vector<float>{0.6f, 0.4f}));
    EXPECT_TRUE(second.moe_layers[1].probs.empty());
    EXPECT_EQ(second.total_ms, 0.0);
    ASSERT_TRUE(doc.imported);
    EXPECT_EQ(doc.imported->experts, twoTokens().experts);
}

TEST(TraceImport, JsonSessionsAreNotTraces) {
    const std::string dir = moe::test::temp_dir();
    QFile session(QString::fromStdString(dir + "/s.json"));
    ASSERT_TRUE(session.open(QIODevice::WriteOnly));
    session.write(R"({"format": "moescope-session", "version": 1})");
    session.close();
    EXPECT_FALSE(isTraceFile(session.fileName()));
    // An empty or broken .json goes to the session reader, whose errors name the field.
    QFile empty(QString::fromStdString(dir + "/empty.json"));
    ASSERT_TRUE(empty.open(QIODevice::WriteOnly));
    empty.close();
    EXPECT_FALSE(isTraceFile(empty.fileName()));
    QFile response(QString::fromStdString(dir + "/r.json"));
    ASSERT_TRUE(response.open(QIODevice::WriteOnly));
    response.write(R"({"id": "cmpl-1", "object": "text_completion", "choices": [{"index": 0}]})");
    response.close();
    EXPECT_TRUE(isTraceFile(response.fileName()));
    EXPECT_TRUE(isTraceFile(QStringLiteral("r.npz")));
    EXPECT_FALSE(isTraceFile(QStringLiteral("m.gguf")));
}

TEST(TraceImport, ReadsOffTheGuiThreadAndReportsErrors) {
    const std::string dir = moe::test::temp_dir();
    const QString good = QString::fromStdString(dir + "/good.npz");
    moe::import::write_npz_trace(good.toStdString(), twoTokens(), true);
    TraceImporter importer;
    QSignalSpy finished(&importer, &TraceImporter::finished);
    importer.start(good);
    ASSERT_TRUE(moe::test::waitForSignals(finished));
    EXPECT_EQ(finished[0][1].toString(), QString());
    EXPECT_FALSE(finished[0][2].toBool());
    const SessionDocument doc = importer.takeDocument();
    ASSERT_EQ(doc.tokens.size(), 2u);
    EXPECT_EQ(doc.tokens[0].moe_layers[0].experts, (std::vector<int>{3, 1}));

    const QString bad = QString::fromStdString(dir + "/bad.npz");
    QFile file(bad);
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.write("PK\x03\x04 not really a zip");
    file.close();
    importer.start(bad);
    ASSERT_TRUE(moe::test::waitForSignals(finished, 2));
    const QString error = finished[1][1].toString();
    EXPECT_TRUE(error.contains(bad)) << error.toStdString();
    EXPECT_TRUE(error.contains(QStringLiteral("zip"))) << error.toStdString();
}

TEST(TraceImport, CancelLeavesNothing) {
    const std::string path = moe::test::temp_dir() + "/big.npz";
    moe::import::write_npz_trace(path, deepSeekShaped(20000), true);  // ~10 M ids
    TraceImporter importer;
    QSignalSpy finished(&importer, &TraceImporter::finished);
    importer.start(QString::fromStdString(path));
    importer.cancel();
    ASSERT_TRUE(moe::test::waitForSignals(finished));
    EXPECT_TRUE(finished[0][2].toBool());
    EXPECT_TRUE(importer.takeDocument().tokens.empty());
}

TEST(TraceImport, WindowOpensATraceAsASessionWithoutAModel) {
    const std::string path = moe::test::temp_dir() + "/v3.npz";
    moe::import::write_npz_trace(path, deepSeekShaped(300), false);
    MainWindow window;
    QSignalSpy opened(&window, &MainWindow::traceOpened);
    window.openTraceFile(QString::fromStdString(path));
    ASSERT_TRUE(moe::test::waitForSignals(opened));
    EXPECT_TRUE(opened[0][0].toBool());
    EXPECT_EQ(window.store()->tokenCount(), 300);
    EXPECT_EQ(window.store()->expertCount(), 256);
    EXPECT_EQ(window.store()->moeLayerCount(), 61);
    EXPECT_FALSE(window.canRun());
    // Token 0 chose 0, 17, 34, ... (rank 0 first) in every layer.
    EXPECT_EQ(window.store()->topExpert(0, 0), 0);
    const QString out = QString::fromStdString(moe::test::temp_dir() + "/back.npz");
    EXPECT_EQ(window.exportRoutingNpz(out), QString());
    const auto back = moe::import::read_npz_trace(out.toStdString());
    EXPECT_EQ(back.experts, deepSeekShaped(300).experts);
}
