// The Analysis page: its models against numbers worked out by hand on a 4-token trace and
// against core/analysis on a synthetic run, recomputation off the GUI thread, selection,
// and the exports (PNG and SVG of every view, CSV of every table).
#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QListView>
#include <QSignalSpy>

#include "analysis/routing_analysis.h"
#include "app_test_util.h"
#include "gui_private/analysis_models.h"
#include "gui_private/analysis_runner.h"
#include "gui_private/trace_import.h"
#include "gui_private/trace_store.h"
#include "support/test_support.h"
#include "widgets/analysis_page.h"
#include "widgets/main_window.h"
#include "widgets/view_panel.h"

using namespace moe::gui;

namespace {

// Four tokens "a b c d" of one sequence, MoE blocks 0 and 1, top-2 of 4 experts:
//   layer 0 sets {0,1} {0,1} {2,0} {3,2}; layer 1 sets {1,2} {1,3} {0,1} {0,2}.
std::shared_ptr<const moe::analysis::RoutingTable> handTrace() {
    auto t = std::make_shared<moe::analysis::RoutingTable>();
    t->n_expert = 4;
    t->max_k = 2;
    t->layers = {0, 1};
    t->token_ids = {10, 11, 12, 13};
    t->positions = {0, 1, 2, 3};
    t->sequences = {0, 0, 0, 0};
    t->texts = {"a", "b", "c", "d"};
    t->experts = {0, 1, 1, 2,  0, 1, 1, 3,  2, 0, 0, 1,  3, 2, 0, 2};
    return t;
}

// Waits until the runner has a snapshot.
bool waitForAnalysis(AnalysisRunner& runner) {
    QSignalSpy spy(&runner, &AnalysisRunner::updated);
    for (int i = 0; i < 100 && !runner.snapshot(); ++i) moe::test::waitForSignals(spy, spy.count() + 1, 600);
    return runner.snapshot() != nullptr;
}

double value(const QAbstractItemModel& m, int row, int column) { return m.data(m.index(row, column), ValueRole).toDouble(); }

}  // namespace

TEST(AnalysisPage, ModelsShowTheHandWorkedNumbers) {
    TraceStore store;
    AnalysisRunner runner(&store);
    LayerStatsModel stats(&runner, &store);
    ExpertMatrixModel coactivation(ExpertMatrixModel::Kind::Coactivation, &runner, &store);
    ExpertMatrixModel transition(ExpertMatrixModel::Kind::Transition, &runner, &store);
    ExpertLayersModel layers(&runner, &store);
    ExpertTokensModel tokens(&runner, &store);
    ExpertOccurrenceModel occurrences(&runner, &store);
    moe::test::ModelTesters testers;
    for (QAbstractItemModel* m : std::initializer_list<QAbstractItemModel*>{&stats, &coactivation, &transition, &layers, &tokens, &occurrences}) {
        testers.attach(m);
    }
    runner.setActive(true);
    store.setDocument(sessionFromTable(handTrace(), QStringLiteral("hand.npz")));
    ASSERT_TRUE(waitForAnalysis(runner));

    ASSERT_EQ(stats.rowCount(), 2);
    // Layer 0 loads 3, 2, 2, 1 (mean 2): cv = sqrt(0.5) / 2, MaxVio = (3 - 2) / 2.
    EXPECT_EQ(value(stats, 0, LayerStatsModel::TokensColumn), 4);
    EXPECT_NEAR(value(stats, 0, LayerStatsModel::CvColumn), 0.3535534, 1e-6);
    EXPECT_NEAR(value(stats, 0, LayerStatsModel::MaxVioColumn), 0.5, 1e-12);
    EXPECT_EQ(value(stats, 0, LayerStatsModel::DeadColumn), 0);
    // Rank-0 pairs 0→0, 0→2, 2→3: one of three repeats (random 1/4); every pair shares an expert.
    EXPECT_NEAR(value(stats, 0, LayerStatsModel::RepeatTop1Column), 1.0 / 3, 1e-12);
    EXPECT_NEAR(value(stats, 0, LayerStatsModel::RepeatTop1RandomColumn), 0.25, 1e-12);
    EXPECT_NEAR(value(stats, 0, LayerStatsModel::RepeatAnyColumn), 1.0, 1e-12);
    // Shares 3/8, 2/8, 2/8, 1/8: entropy 1.320888 nats / ln 4.
    EXPECT_NEAR(value(stats, 0, LayerStatsModel::EntropyColumn), 0.9528195, 1e-6);

    // Selected layer 0: E0 is chosen 3 times, twice with E1 and once with E2.
    EXPECT_NEAR(value(coactivation, 0, 1), 2.0 / 3, 1e-12);
    EXPECT_NEAR(value(coactivation, 0, 2), 1.0 / 3, 1e-12);
    EXPECT_EQ(coactivation.count(0, 1), 2);
    EXPECT_TRUE(coactivation.data(coactivation.index(0, 1), Qt::ToolTipRole).toString().contains(QStringLiteral("2 of the 3 tokens")));
    // Rank-0 here → next layer: 0→1 twice, 2→0, 3→0.
    EXPECT_EQ(transition.count(0, 1), 2);
    EXPECT_NEAR(value(transition, 0, 1), 1.0, 1e-12);
    EXPECT_NEAR(value(transition, 3, 0), 1.0, 1e-12);

    // Expert 0: load 3 of 8 (rank 1) in layer 0; load 2 of 8 in layer 1, behind E1's 3 (rank 2).
    EXPECT_EQ(value(layers, 0, ExpertLayersModel::LoadColumn), 3);
    EXPECT_NEAR(value(layers, 0, ExpertLayersModel::ShareColumn), 0.375, 1e-12);
    EXPECT_EQ(value(layers, 0, ExpertLayersModel::RankColumn), 1);
    EXPECT_EQ(value(layers, 1, ExpertLayersModel::LoadColumn), 2);
    EXPECT_EQ(value(layers, 1, ExpertLayersModel::RankColumn), 2);

    // E0 in layer 0 handled c, b, a (newest first); "c" has "a", "b" before it and "d" after.
    ASSERT_EQ(occurrences.rowCount(), 3);
    EXPECT_EQ(occurrences.data(occurrences.index(0, 0), ExpertOccurrenceModel::TokenIndexRole).toInt(), 2);
    EXPECT_EQ(occurrences.data(occurrences.index(0, 0), ExpertOccurrenceModel::BeforeRole).toString(), QStringLiteral("ab"));
    EXPECT_EQ(occurrences.data(occurrences.index(0, 0), ExpertOccurrenceModel::AfterRole).toString(), QStringLiteral("d"));
    EXPECT_EQ(tokens.data(tokens.index(0, ExpertTokensModel::ByCountColumn)).toString(), QStringLiteral("a"));

    store.selectExpert(3);  // E3: only token d in layer 0, load 1 of 8, rank 4
    EXPECT_EQ(occurrences.rowCount(), 1);
    EXPECT_EQ(value(layers, 0, ExpertLayersModel::RankColumn), 4);
    store.selectLayer(1);  // the last MoE layer has no next-layer transitions
    EXPECT_EQ(transition.rowCount(), 0);
    EXPECT_TRUE(moe::test::ModelTesters::complaints().isEmpty()) << moe::test::ModelTesters::complaints().join('\n').toStdString();
}

TEST(AnalysisPage, NumbersEqualCoreAnalysisOnALiveRun) {
    const SyntheticShape shape = moe::test::smallShape(5, 16, 3, 8);
    TraceStore store;
    AnalysisRunner runner(&store);
    LayerStatsModel stats(&runner, &store);
    moe::test::ModelTesters testers;
    testers.attach(&stats);
    runner.setActive(true);
    store.resetModel(syntheticModelInfo(shape));
    const auto traces = syntheticTokens(shape, 0, 120);
    store.appendTokens(traces);
    ASSERT_TRUE(waitForAnalysis(runner));

    const auto report = moe::analysis::analyze_table(moe::analysis::table_from_traces(traces));
    ASSERT_EQ(stats.rowCount(), static_cast<int>(report.layers.size()));
    for (int l = 0; l < stats.rowCount(); ++l) {
        const auto& r = report.layers[static_cast<size_t>(l)];
        EXPECT_EQ(value(stats, l, LayerStatsModel::LayerColumn), r.layer);
        EXPECT_EQ(value(stats, l, LayerStatsModel::TokensColumn), 120);
        EXPECT_DOUBLE_EQ(value(stats, l, LayerStatsModel::CvColumn), r.cv);
        EXPECT_DOUBLE_EQ(value(stats, l, LayerStatsModel::EntropyColumn), r.entropy);
        EXPECT_DOUBLE_EQ(value(stats, l, LayerStatsModel::RepeatAnyColumn), r.repeat_any);
        EXPECT_DOUBLE_EQ(value(stats, l, LayerStatsModel::RepeatAnyRandomColumn), r.repeat_any_random);
        if (l + 1 < stats.rowCount()) {
            EXPECT_DOUBLE_EQ(value(stats, l, LayerStatsModel::NextLayerMiColumn), r.next_layer_mi_bits);
        }
    }
    // More tokens: the page catches up with a newer analysis.
    store.appendTokens(syntheticTokens(shape, 120, 30));
    QSignalSpy updated(&runner, &AnalysisRunner::updated);
    ASSERT_TRUE(moe::test::waitForSignals(updated));
    EXPECT_EQ(value(stats, 0, LayerStatsModel::TokensColumn), 150);
    EXPECT_TRUE(moe::test::ModelTesters::complaints().isEmpty()) << moe::test::ModelTesters::complaints().join('\n').toStdString();
}

TEST(AnalysisPage, ViewsExportAndOccurrencesSelectTokens) {
    MainWindow w;
    w.resize(1400, 900);
    w.show();
    w.store()->setDocument(sessionFromTable(handTrace(), QStringLiteral("hand.npz")));
    w.showTab(QStringLiteral("analysis"));
    AnalysisPage* page = w.analysisPage();
    ASSERT_TRUE(waitForAnalysis(*page->runner()));
    QCoreApplication::processEvents();

    const std::string dir = moe::test::temp_dir();
    ASSERT_EQ(page->panels().size(), 8);
    for (ViewPanel* panel : page->panels()) {
        for (const char* ext : {".png", ".svg"}) {
            const QString path = QString::fromStdString(dir) + QLatin1Char('/') + panel->objectName().replace(QLatin1Char(' '), QLatin1Char('_')) + QLatin1String(ext);
            EXPECT_EQ(panel->exportTo(path), QString()) << path.toStdString();
            EXPECT_GT(QFileInfo(path).size(), 500) << path.toStdString();
        }
    }
    const QString csv = QString::fromStdString(dir + "/layers.csv");
    ASSERT_EQ(page->exportCsv(QStringLiteral("Per-layer statistics"), csv), QString());
    QFile file(csv);
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'));
    EXPECT_EQ(lines[0], QStringLiteral("Layer,Tokens,CV,Entropy,MaxVio,Dead,Repeat top-1,random,Repeat any,random,MI next (bits)"));
    EXPECT_TRUE(lines[1].startsWith(QStringLiteral("0,4,0.353553391,"))) << lines[1].toStdString();
    for (const char* table : {"Expert in every layer", "Expert's top tokens"}) {
        EXPECT_EQ(page->exportCsv(QString::fromUtf8(table), csv), QString()) << table;
    }
    file.close();  // the last export: the top tokens
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    EXPECT_EQ(QString::fromUtf8(file.readLine()).trimmed(), QStringLiteral("Top by count,Count,Top by consistency,Consistency"));

    // Clicking an occurrence pins its token in every view.
    QListView* list = page->occurrenceView();
    ASSERT_EQ(list->model()->rowCount(), 3);
    Q_EMIT list->clicked(list->model()->index(1, 0));  // token b
    EXPECT_EQ(w.store()->selectedToken(), 1);
    EXPECT_FALSE(w.store()->followsLatest());
}

TEST(AnalysisPage, AReopenedSessionIsAnalysedLikeTheRun) {
    const SyntheticShape shape = moe::test::smallShape(4, 8, 2, 4);
    const std::string session = moe::test::temp_dir() + "/run.moescope.json";
    std::vector<double> run_cv;
    {
        MainWindow w;
        w.show();
        moe::test::showSyntheticRun(w, shape, 40);
        w.showTab(QStringLiteral("analysis"));
        ASSERT_TRUE(waitForAnalysis(*w.analysisPage()->runner()));
        const auto* stats = w.analysisPage()->layerStatsModel();
        for (int l = 0; l < stats->rowCount(); ++l) run_cv.push_back(value(*stats, l, LayerStatsModel::CvColumn));
        ASSERT_EQ(w.saveSessionFile(QString::fromStdString(session)), QString());
    }
    MainWindow w;
    w.show();
    ASSERT_TRUE(w.openSessionFile(QString::fromStdString(session)));
    w.showTab(QStringLiteral("analysis"));
    ASSERT_TRUE(waitForAnalysis(*w.analysisPage()->runner()));
    const auto* stats = w.analysisPage()->layerStatsModel();
    ASSERT_EQ(stats->rowCount(), 3);  // 4 blocks, the first dense
    ASSERT_EQ(run_cv.size(), 3u);
    for (int l = 0; l < 3; ++l) {
        EXPECT_EQ(value(*stats, l, LayerStatsModel::TokensColumn), 40);
        EXPECT_DOUBLE_EQ(value(*stats, l, LayerStatsModel::CvColumn), run_cv[static_cast<size_t>(l)]);
    }
}
