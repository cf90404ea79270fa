// The real engine behind the worker thread: load, run, compare the models with a direct
// engine run, stop within 100 ms, export the CLI's CSV bytes, reject broken model files.
#include <gtest/gtest.h>

#include <QCoreApplication>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QTest>
#include <QUrl>

#include <memory>

#include "app/app_test_util.h"
#include "engine/engine.h"
#include "gui_private/exports.h"
#include "gui_private/routing_models.h"
#include "gui_private/timing_models.h"
#include "gui_private/trace_store.h"
#include "support/test_support.h"
#include "widgets/main_window.h"
#include "widgets/model_card.h"
#include "widgets/prompt_panel.h"

using namespace moe::gui;

namespace {

constexpr auto kPrompt = "The capital of France is";

moe::GenerationRequest greedyRequest(int max_new_tokens) {
    moe::GenerationRequest r;
    r.prompt = kPrompt;
    r.max_new_tokens = max_new_tokens;
    return r;
}

#define REQUIRE_RUNNABLE_MODEL(var)                                                              \
    const std::string var = moe::test::runnableModelPath();                                     \
    if (var.empty()) GTEST_SKIP() << "no demo model and no conformance fixtures"

bool loadInto(MainWindow& w, const std::string& path) {
    QSignalSpy loaded(w.controller(), &InferenceController::modelLoaded);
    QSignalSpy failed(w.controller(), &InferenceController::loadFailed);
    w.openModel(QString::fromStdString(path));
    while (loaded.isEmpty() && failed.isEmpty()) {
        if (!loaded.wait(60000)) break;
    }
    return !loaded.isEmpty();
}

}  // namespace

TEST(AppEngine, RunMatchesTheEngineTraceAndExportsTheCliCsv) {
    REQUIRE_RUNNABLE_MODEL(path);
    MainWindow w;
    w.show();
    moe::test::ModelTesters testers;
    moe::test::ModelTesters::clearComplaints();
    for (QAbstractItemModel* m : std::initializer_list<QAbstractItemModel*>{
             w.tokenListModel(), w.tokenExpertModel(), w.layerExpertModel(), w.expertLoadModel(),
             w.latencyModel(), w.layerTimeModel(), w.savingsModel()}) {
        testers.attach(m);
    }
    ASSERT_TRUE(loadInto(w, path)) << w.messageText().toStdString();
    const moe::ModelInfo& info = w.controller()->modelInfo();
    EXPECT_EQ(w.store()->moeLayerCount(), static_cast<int>(info.moe_layers.size()));
    EXPECT_EQ(w.modelCard()->fieldText("Architecture"), QString::fromStdString(info.architecture));
    EXPECT_TRUE(w.modelCard()->fieldText("Experts").startsWith(QString("%1 routed, top-%2").arg(info.n_expert).arg(info.n_expert_used)))
        << w.modelCard()->fieldText("Experts").toStdString();
    // How this process holds the weights, as the load chose (2 MiB pages wherever the kernel has them).
    const QString placement = w.modelCard()->fieldText("Weights in memory");
    EXPECT_TRUE(placement.startsWith(info.weights_in_huge_pages ? "copied into 2 MiB pages" : "read through the file mapping"))
        << placement.toStdString();
    EXPECT_EQ(w.modelCard()->fieldText("Row groups").isEmpty(), info.tensors_in_row_groups == 0);

    w.setPrompt(kPrompt);
    w.setMaxTokens(6);
    QSignalSpy finished(w.controller(), &InferenceController::generationFinished);
    QTest::keyClick(w.promptEditor(), Qt::Key_Return, Qt::ControlModifier);  // Ctrl+Enter runs
    EXPECT_EQ(w.promptEditor()->toPlainText(), QString(kPrompt)) << "no newline was typed";
    ASSERT_TRUE(moe::test::waitForSignals(finished));
    EXPECT_EQ(finished.first().at(0).toString(), QString());

    const auto expected = moe::test::directTrace(path, greedyRequest(6));
    const auto& got = w.store()->tokens();
    ASSERT_EQ(got.size(), expected.size());
    EXPECT_EQ(w.tokenListModel()->rowCount(), static_cast<int>(expected.size()));
    EXPECT_EQ(w.tokenExpertModel()->columnCount(), info.n_expert + info.n_expert_shared);
    for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(got[i].token_id, expected[i].token_id);
        EXPECT_EQ(w.tokenListModel()->data(w.tokenListModel()->index(static_cast<int>(i), TokenListModel::TokenIdColumn)).toInt(),
                  expected[i].token_id);
        ASSERT_EQ(got[i].moe_layers.size(), expected[i].moe_layers.size());
        for (size_t l = 0; l < expected[i].moe_layers.size(); ++l) {
            EXPECT_EQ(got[i].moe_layers[l].experts, expected[i].moe_layers[l].experts);
        }
    }
    // The token × expert model shows the selected layer's probabilities exactly.
    const int layer = w.store()->moeLayerCount() - 1;
    w.store()->selectLayer(layer);
    const int last = static_cast<int>(expected.size()) - 1;
    for (int e = 0; e < info.n_expert; ++e) {
        EXPECT_EQ(w.tokenExpertModel()->data(w.tokenExpertModel()->index(last, e), ValueRole).toDouble(),
                  static_cast<double>(expected.back().moe_layers[static_cast<size_t>(layer)].probs[static_cast<size_t>(e)]));
    }
    // Generated text streamed into the output, stats are final.
    EXPECT_FALSE(w.outputText().isEmpty());
    EXPECT_TRUE(w.statsText().contains("tok/s") || w.statsText().contains("generated")) << w.statsText().toStdString();

    // Export: byte-identical to the engine's CSV writer over the engine's own trace (the CLI's bytes).
    const QString csv_path = QString::fromStdString(moe::test::temp_dir()) + "/routing.csv";
    ASSERT_EQ(w.exportRoutingCsv(csv_path), QString());
    EXPECT_EQ(moe::test::read_file(csv_path.toStdString()), routingCsv(expected));
    EXPECT_TRUE(moe::test::ModelTesters::complaints().isEmpty())
        << moe::test::ModelTesters::complaints().join('\n').toStdString();
}

// The prompt panel's "Exact F32 activations" reaches the engine's SessionOptions: the run's
// router probabilities are those of a direct exact session, which differ from the default path's
// on Q8_0 weights (there the default path quantizes activations to 8 bits; F16 weights do not tell).
TEST(AppEngine, ExactActivationsReachTheSession) {
    MOE_REQUIRE_CONFORMANCE(dir);
    const std::string path = dir + "/models/deepseek2-q8_0.gguf";
    MainWindow w;
    ASSERT_FALSE(w.promptPanel()->exactActivations()) << "off unless the user ticked it";
    ASSERT_TRUE(loadInto(w, path)) << w.messageText().toStdString();
    w.promptPanel()->setExactActivations(true);
    EXPECT_TRUE(w.controller()->sessionOptions().exact);
    w.setPrompt(kPrompt);
    w.setMaxTokens(3);
    QSignalSpy finished(w.controller(), &InferenceController::generationFinished);
    w.run();
    ASSERT_TRUE(moe::test::waitForSignals(finished));

    moe::SessionOptions exact;
    exact.exact = true;
    const auto expected = moe::test::directTrace(path, greedyRequest(3), exact);
    const auto quantized = moe::test::directTrace(path, greedyRequest(3));
    const auto& got = w.store()->tokens();
    ASSERT_EQ(got.size(), expected.size());
    ASSERT_EQ(quantized.size(), expected.size());
    bool paths_differ = false;
    for (size_t i = 0; i < expected.size(); ++i)
        for (size_t l = 0; l < expected[i].moe_layers.size(); ++l) {
            EXPECT_EQ(got[i].moe_layers[l].probs, expected[i].moe_layers[l].probs) << i << ' ' << l;
            paths_differ |= quantized[i].moe_layers[l].probs != expected[i].moe_layers[l].probs;
        }
    EXPECT_TRUE(paths_differ) << "the exact and default paths agree bit for bit: this test shows nothing";
    w.promptPanel()->setExactActivations(false);
    EXPECT_FALSE(w.controller()->sessionOptions().exact);
}

TEST(AppEngine, StopCancelsWithin100Milliseconds) {
    REQUIRE_RUNNABLE_MODEL(path);
    MainWindow w;
    ASSERT_TRUE(loadInto(w, path));
    QSignalSpy rows(w.tokenListModel(), &QAbstractItemModel::rowsInserted);
    QSignalSpy finished(w.controller(), &InferenceController::generationFinished);
    moe::GenerationRequest request = greedyRequest(std::min(400, w.controller()->modelInfo().n_ctx_train - 16));
    request.stop_at_eos = false;  // a long run that only Stop ends
    w.controller()->generate(request);
    ASSERT_TRUE(moe::test::waitForSignals(rows, 2));  // prompt, then some decoding
    QElapsedTimer timer;
    timer.start();
    w.stop();
    ASSERT_TRUE(moe::test::waitForSignals(finished, 1, 5000));
    EXPECT_LT(timer.elapsed(), 100);
    EXPECT_EQ(finished.first().at(0).toString(), QString());
    EXPECT_TRUE(finished.first().at(1).toBool()) << "reported as cancelled after "
                                                  << w.store()->document().stats.generated_tokens << " tokens";
    EXPECT_EQ(w.controller()->state(), InferenceController::State::Idle);
    EXPECT_TRUE(w.canRun());
}

TEST(AppEngine, CorruptModelShowsTheEngineMessageAndTheAppStaysUsable) {
    REQUIRE_RUNNABLE_MODEL(path);
    const std::string dir = moe::test::temp_dir();
    const std::string bad = dir + "/truncated.gguf";
    {
        const std::string bytes = moe::test::read_file(path);
        QFile f(QString::fromStdString(bad));
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write(bytes.data(), static_cast<qint64>(bytes.size() / 3));
    }
    MainWindow w;
    w.show();
    ASSERT_TRUE(loadInto(w, path));
    QSignalSpy failed(w.controller(), &InferenceController::loadFailed);
    w.openModel(QString::fromStdString(bad));
    ASSERT_TRUE(moe::test::waitForSignals(failed));
    EXPECT_FALSE(failed.first().at(1).toBool()) << "not a cancellation";
    const QString message = failed.first().at(0).toString();
    EXPECT_FALSE(message.isEmpty());
    EXPECT_TRUE(w.messageText().contains(message)) << w.messageText().toStdString();
    // The previous model is still loaded and runs.
    EXPECT_TRUE(w.canRun());
    w.setMaxTokens(2);
    QSignalSpy finished(w.controller(), &InferenceController::generationFinished);
    w.run();
    ASSERT_TRUE(moe::test::waitForSignals(finished));
    EXPECT_GT(w.store()->tokenCount(), 0);

    // A file that is not GGUF at all.
    const std::string text = dir + "/notes.gguf";
    {
        QFile f(QString::fromStdString(text));
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write("hello, this is not a model\n");
    }
    w.openModel(QString::fromStdString(text));
    ASSERT_TRUE(moe::test::waitForSignals(failed, 2));
    EXPECT_TRUE(w.canRun());
}

TEST(AppEngine, LoadingCanBeCancelledAndKeepsThePreviousModel) {
    REQUIRE_RUNNABLE_MODEL(path);
    // The worker driven directly on this thread, so the cancel lands mid-load deterministically.
    InferenceWorker worker;
    QSignalSpy loaded(&worker, &InferenceWorker::modelLoaded);
    QSignalSpy failed(&worker, &InferenceWorker::loadFailed);
    worker.loadModel(1, QString::fromStdString(path));
    ASSERT_EQ(loaded.count(), 1);

    // Cancel from inside the first progress report: the engine's next progress call stops it.
    QObject::connect(&worker, &InferenceWorker::loadProgress, &worker,
                     [&worker](quint64 job, double) { worker.requestStop(job); }, Qt::DirectConnection);
    worker.loadModel(2, QString::fromStdString(path));
    ASSERT_EQ(failed.count(), 1);
    EXPECT_EQ(failed.first().at(0).toULongLong(), 2u);
    EXPECT_TRUE(failed.first().at(2).toBool()) << "reported as a cancellation";

    // A cancel issued before the job starts (Cancel pressed while it was queued).
    worker.requestStop(3);
    worker.loadModel(3, QString::fromStdString(path));
    ASSERT_EQ(failed.count(), 2);
    EXPECT_TRUE(failed.at(1).at(2).toBool());

    // The first model is still loaded and runs.
    QSignalSpy finished(&worker, &InferenceWorker::generationFinished);
    worker.generate(4, greedyRequest(2));
    ASSERT_EQ(finished.count(), 1);
    EXPECT_EQ(finished.first().at(2).toString(), QString());
    const auto update = finished.first().at(1).value<GenerationUpdate>();
    EXPECT_TRUE(update.stats.finished);
    EXPECT_EQ(update.stats.generated_tokens, 2);
}

TEST(AppEngine, DroppedModelLoadsAndJoinsTheRecentList) {
    REQUIRE_RUNNABLE_MODEL(path);
    MainWindow w;
    w.show();
    QSignalSpy loaded(w.controller(), &InferenceController::modelLoaded);
    auto* mime = new QMimeData;
    mime->setUrls({QUrl::fromLocalFile(QString::fromStdString(path))});
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&w, &enter);
    EXPECT_TRUE(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&w, &drop);
    ASSERT_TRUE(moe::test::waitForSignals(loaded));
    const QStringList recent = QSettings().value("recentModels").toStringList();
    ASSERT_FALSE(recent.isEmpty());
    EXPECT_EQ(QFileInfo(recent.first()).canonicalFilePath(), QFileInfo(QString::fromStdString(path)).canonicalFilePath());
    delete mime;
}

TEST(AppEngine, ANewRunDropsTheStaleRunsResults) {
    REQUIRE_RUNNABLE_MODEL(path);
    MainWindow w;
    ASSERT_TRUE(loadInto(w, path));
    QSignalSpy finished(w.controller(), &InferenceController::generationFinished);
    moe::GenerationRequest long_run = greedyRequest(300);
    long_run.prompt = "A long story about a lighthouse keeper";
    long_run.stop_at_eos = false;
    w.controller()->generate(long_run);
    const moe::GenerationRequest short_run = greedyRequest(3);
    w.controller()->generate(short_run);  // replaces the first run at once
    ASSERT_TRUE(moe::test::waitForSignals(finished));
    QTest::qWait(100);  // anything late from the first run would land now
    EXPECT_EQ(finished.count(), 1) << "only the current job reports";
    const auto expected = moe::test::directTrace(path, short_run);
    ASSERT_EQ(w.store()->tokenCount(), static_cast<int>(expected.size()));
    for (int i = 0; i < w.store()->tokenCount(); ++i) EXPECT_EQ(w.store()->token(i).token_id, expected[static_cast<size_t>(i)].token_id);
    EXPECT_EQ(w.store()->document().request.prompt, short_run.prompt);
}

TEST(AppEngine, ClosingTheWindowWhileGeneratingReturnsPromptly) {
    REQUIRE_RUNNABLE_MODEL(path);
    auto w = std::make_unique<MainWindow>();
    ASSERT_TRUE(loadInto(*w, path));
    QSignalSpy rows(w->tokenListModel(), &QAbstractItemModel::rowsInserted);
    moe::GenerationRequest request = greedyRequest(400);
    request.stop_at_eos = false;
    w->controller()->generate(request);
    ASSERT_TRUE(moe::test::waitForSignals(rows, 2));
    QElapsedTimer timer;
    timer.start();
    w.reset();  // stops the worker and joins its thread
    EXPECT_LT(timer.elapsed(), 500);
}

TEST(AppEngine, ARunTooLongForTheContextKeepsTheLastGoodOne) {
    REQUIRE_RUNNABLE_MODEL(path);
    MainWindow w;
    w.show();
    ASSERT_TRUE(loadInto(w, path)) << w.messageText().toStdString();
    w.setPrompt(kPrompt);
    w.setMaxTokens(4);
    QSignalSpy finished(w.controller(), &InferenceController::generationFinished);
    w.run();
    ASSERT_TRUE(moe::test::waitForSignals(finished));
    const int good_tokens = w.store()->tokenCount();
    const QString good_text = w.outputText();
    ASSERT_GT(good_tokens, 4);

    // A prompt longer than the whole context cannot run, and the engine says so.
    QString too_long;
    for (int i = 0; i < w.controller()->modelInfo().n_ctx_train; ++i) too_long += QStringLiteral("sea and ");
    w.setPrompt(too_long);
    w.run();
    ASSERT_TRUE(moe::test::waitForSignals(finished, 2));
    EXPECT_NE(finished.at(1).at(0).toString(), QString());
    EXPECT_TRUE(w.messageText().contains("Could not run the prompt")) << w.messageText().toStdString();
    EXPECT_TRUE(w.messageText().contains("context")) << w.messageText().toStdString();
    EXPECT_EQ(w.store()->tokenCount(), good_tokens);
    EXPECT_EQ(w.outputText(), good_text);
}

TEST(AppEngine, MaxTokensPastTheContextStopsWhenTheContextIsFull) {
    REQUIRE_RUNNABLE_MODEL(path);
    MainWindow w;
    w.show();
    ASSERT_TRUE(loadInto(w, path)) << w.messageText().toStdString();
    const int n_ctx = w.controller()->modelInfo().n_ctx_train;
    moe::GenerationRequest request;
    request.prompt = kPrompt;
    request.max_new_tokens = n_ctx;
    request.stop_at_eos = false;  // so that the run reaches the end of the context
    QSignalSpy finished(w.controller(), &InferenceController::generationFinished);
    w.controller()->generate(request);
    ASSERT_TRUE(moe::test::waitForSignals(finished));
    EXPECT_EQ(finished.at(0).at(0).toString(), QString());
    EXPECT_EQ(w.store()->tokenCount(), n_ctx - 1);  // the last sampled token is never evaluated
    EXPECT_TRUE(w.statsText().contains("context full")) << w.statsText().toStdString();
}
