// The main window: selecting a token updates every view, broken files leave it usable,
// exports of a view write real images.
#include <gtest/gtest.h>

#include <QFile>
#include <QImage>
#include <QItemSelectionModel>
#include <QSignalSpy>
#include <QTableView>

#include "app/app_test_util.h"
#include "gui_private/routing_models.h"
#include "gui_private/session_file.h"
#include "gui_private/synthetic_trace.h"
#include "gui_private/timing_models.h"
#include "gui_private/trace_store.h"
#include "support/test_support.h"
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
