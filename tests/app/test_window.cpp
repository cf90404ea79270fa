// The main window: selecting a token updates every view, broken files leave it usable,
// exports of a view write real images.
#include <gtest/gtest.h>

#include <QFile>
#include <QImage>
#include <QItemSelectionModel>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

#include <algorithm>

#include "app/app_test_util.h"
#include "gui_private/analysis_models.h"
#include "gui_private/analysis_runner.h"
#include "gui_private/routing_models.h"
#include "gui_private/session_file.h"
#include "gui_private/synthetic_trace.h"
#include "gui_private/timing_models.h"
#include "gui_private/trace_store.h"
#include "support/test_support.h"
#include "widgets/analysis_page.h"
#include "widgets/heatmap_view.h"
#include "widgets/main_window.h"
#include "widgets/token_strip_view.h"
#include "widgets/view_panel.h"

using namespace moe::gui;

namespace {

SyntheticShape shape() {
    SyntheticShape s;
    s.n_layer = 6;
    s.n_expert = 16;
    s.n_expert_used = 3;
    s.prompt_tokens = 8;
    return s;
}

void fillWithSyntheticRun(MainWindow& w, int tokens) {
    w.store()->resetModel(syntheticModelInfo(shape()));
    w.store()->appendTokens(syntheticTokens(shape(), 0, tokens));
}

}  // namespace

TEST(AppWindow, SelectingATokenUpdatesEveryView) {
    MainWindow w;
    w.resize(1200, 800);
    w.show();
    fillWithSyntheticRun(w, 40);
    EXPECT_EQ(w.tokenStrip()->selectedToken(), 39);  // following the newest

    w.store()->selectToken(12);  // as a click anywhere does
    const auto trace = syntheticTokens(shape(), 12, 1).front();
    EXPECT_EQ(w.tokenStrip()->selectedToken(), 12);
    // Layer × expert shows token 12's routing in every MoE layer.
    for (int l = 0; l < w.store()->moeLayerCount(); ++l) {
        EXPECT_EQ(w.layerExpertModel()->data(w.layerExpertModel()->index(l, 4), ValueRole).toDouble(),
                  static_cast<double>(trace.moe_layers[static_cast<size_t>(l)].probs[4]));
    }
    // The per-layer time chart's model reports token 12's block times.
    EXPECT_EQ(w.layerTimeModel()->data(w.layerTimeModel()->index(2, LayerTimeModel::SelectedMsColumn), ValueRole).toDouble(),
              trace.layer_time_ms[2]);
    // The token table selects its row.
    EXPECT_TRUE(w.tokenTable()->selectionModel()->isRowSelected(12, {}));

    // Clicking a token in the strip selects it everywhere too.
    QSignalSpy selected(w.store(), &TraceStore::selectedTokenChanged);
    Q_EMIT w.tokenStrip()->tokenClicked(20);
    ASSERT_EQ(selected.count(), 1);
    EXPECT_EQ(w.store()->selectedToken(), 20);
    EXPECT_EQ(w.tokenStrip()->selectedToken(), 20);
    // And a click on the token × expert heatmap.
    Q_EMIT w.tokenExpertView()->cellClicked(5, 0);
    EXPECT_EQ(w.tokenStrip()->selectedToken(), 5);

    // Layer selection recolours the strip: the token list's top expert follows the layer.
    w.store()->selectLayer(3);
    EXPECT_EQ(w.tokenListModel()->data(w.tokenListModel()->index(5, 0), TopExpertRole).toInt(),
              syntheticTokens(shape(), 5, 1).front().moe_layers[3].experts[0]);
}

TEST(AppWindow, CorruptSessionShowsAnErrorAndTheAppStaysUsable) {
    MainWindow w;
    w.show();
    fillWithSyntheticRun(w, 10);
    const QString dir = QString::fromStdString(moe::test::temp_dir());
    const QString bad = dir + "/broken.json";
    {
        QFile f(bad);
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write("{\"format\": \"moescope-session\", \"version\": 1, \"model\": {");
    }
    EXPECT_FALSE(w.openSessionFile(bad));
    EXPECT_TRUE(w.messageText().contains("broken.json")) << w.messageText().toStdString();
    EXPECT_EQ(w.store()->tokenCount(), 10) << "the previous session is untouched";

    // Save, then open the good one: the message goes away and the views show it.
    const QString good = dir + "/good.moescope.json";
    ASSERT_EQ(w.saveSessionFile(good), QString());
    w.store()->beginRun(w.store()->modelInfo(), {});
    EXPECT_TRUE(w.openSessionFile(good));
    EXPECT_EQ(w.messageText(), QString());
    EXPECT_EQ(w.store()->tokenCount(), 10);
    EXPECT_EQ(w.tokenExpertModel()->rowCount(), 10);
}

TEST(AppWindow, ViewsExportAsPngAndSvg) {
    MainWindow w;
    w.resize(1200, 800);
    w.show();
    fillWithSyntheticRun(w, 30);
    const QString dir = QString::fromStdString(moe::test::temp_dir());
    ASSERT_FALSE(w.panels().isEmpty());
    for (ViewPanel* panel : w.panels()) {
        const QString png = dir + "/view.png";
        ASSERT_EQ(panel->exportTo(png), QString()) << panel->title().toStdString();
        const QImage image(png);
        EXPECT_FALSE(image.isNull()) << panel->title().toStdString();
    }
    const QString svg = dir + "/view.svg";
    ASSERT_EQ(w.panels().first()->exportTo(svg), QString());
    const std::string text = moe::test::read_file(svg.toStdString());
    EXPECT_NE(text.find("<svg"), std::string::npos);
}

// The "click an expert anywhere": a heatmap cell or a table cell that names a routed
// expert selects its layer and expert, and the Analysis page's inspector shows that expert.
TEST(AppWindow, ClickingAnExpertAnywhereOpensItInTheInspector) {
    MainWindow w;
    w.resize(1200, 800);
    w.show();
    fillWithSyntheticRun(w, 40);
    const std::vector<moe::TokenTrace> traces = syntheticTokens(shape(), 0, 40);
    // Tokens chosen by `expert` in MoE layer `layer`, counted from the generator's traces.
    const auto load = [&](int layer, int expert) {
        int n = 0;
        for (const auto& t : traces) {
            const auto& chosen = t.moe_layers[static_cast<size_t>(layer)].experts;
            n += std::count(chosen.begin(), chosen.end(), expert) > 0;
        }
        return n;
    };
    const auto inspectorLoad = [&](int layer) {
        ExpertLayersModel* model = w.analysisPage()->expertLayersModel();
        return model->index(layer, ExpertLayersModel::LoadColumn).data(ValueRole).toInt();
    };

    // The Tokens table: a token's top expert cell, in MoE layer 2.
    w.store()->selectLayer(2);
    w.showTab(QStringLiteral("tokens"));
    QTableView* table = w.tokenTable();
    int token = 0;  // the first token whose top expert is not the one selected already
    while (traces[static_cast<size_t>(token)].moe_layers[2].experts.front() == w.store()->selectedExpert()) ++token;
    const int top = traces[static_cast<size_t>(token)].moe_layers[2].experts.front();
    const QModelIndex cell = table->model()->index(token, TokenListModel::TopExpertColumn);  // sorted by step
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(cell).center());
    EXPECT_EQ(w.store()->selectedToken(), token);
    EXPECT_EQ(w.store()->selectedLayer(), 2);
    EXPECT_EQ(w.store()->selectedExpert(), top);
    // A cell of another column selects the token only.
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(table->model()->index(token + 1, TokenListModel::TextColumn)).center());
    EXPECT_EQ(w.store()->selectedToken(), token + 1);
    EXPECT_EQ(w.store()->selectedExpert(), top);

    // The layer × expert heatmap: the cell of MoE layer 4, expert 11.
    w.showTab(QStringLiteral("routing"));
    HeatmapView* view = w.layerExpertView();
    QPoint at(-1, -1);
    for (int y = 0; y < view->viewport()->height() && at.x() < 0; ++y)
        for (int x = 0; x < view->viewport()->width() && at.x() < 0; x += 2)
            if (view->cellAt({x, y}) == QPoint(4, 11)) at = {x, y};
    ASSERT_GE(at.x(), 0);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, at);
    EXPECT_EQ(w.store()->selectedLayer(), 4);
    EXPECT_EQ(w.store()->selectedExpert(), 11);

    // The inspector shows expert 11: its load in every layer, as the traces give it.
    QSignalSpy analysed(w.analysisPage()->runner(), &AnalysisSource::updated);
    w.showTab(QStringLiteral("analysis"));
    ASSERT_TRUE(moe::test::waitForSignals(analysed));
    for (int l = 0; l < w.store()->moeLayerCount(); ++l) EXPECT_EQ(inspectorLoad(l), load(l, 11)) << l;
}
