// What a first hands-on test of the app found (issue 12, point 5), each checked where a test
// can see it: colour scales re-range, long subtitles elide with a tooltip, the token table sorts,
// docks close and reopen, views are found by "x", exports carry their title, charts use one unit.
#include <gtest/gtest.h>

#include <QChart>
#include <QChartView>
#include <QDockWidget>
#include <QFile>
#include <QLabel>
#include <QMenuBar>
#include <QScrollArea>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTest>
#include <QValueAxis>

#include <cmath>

#include "app/app_test_util.h"
#include "gui_private/routing_models.h"
#include "gui_private/synthetic_trace.h"
#include "gui_private/trace_store.h"
#include "support/test_support.h"
#include "widgets/heatmap_view.h"
#include "widgets/main_window.h"
#include "widgets/model_card.h"
#include "widgets/view_panel.h"

using namespace moe::gui;

namespace {

SyntheticShape smallShape() { return moe::test::smallShape(4, 8, 2, 4, /*n_expert_shared=*/1); }

void fill(MainWindow& w, int tokens) { moe::test::showSyntheticRun(w, smallShape(), tokens); }

QValueAxis* verticalAxis(QWidget* view) {
    auto* chart_view = qobject_cast<QChartView*>(view);
    return chart_view ? qobject_cast<QValueAxis*>(chart_view->chart()->axes(Qt::Vertical).value(0)) : nullptr;
}

}  // namespace

TEST(AppRoughEdges, ExpertLoadSharesGetTheirOwnColourRange) {
    MainWindow w;
    w.show();
    fill(w, 40);
    HeatmapImage& image = w.expertLoadView()->heatmapImage();
    image.image();
    // 40 tokens, 2 of 8 experts each: some expert has at least 40 * 2 / 8 = 10 tokens.
    EXPECT_GE(image.scale().max, 10.0);
    w.expertLoadModel()->setMeasure(ExpertLoadModel::Measure::Share);
    image.image();
    EXPECT_GT(image.scale().max, 0.25 - 1e-9) << "10 of 40 tokens at least";
    EXPECT_LE(image.scale().max, 1.0);
    w.expertLoadModel()->setMeasure(ExpertLoadModel::Measure::Count);
    image.image();
    EXPECT_GE(image.scale().max, 10.0);
}

TEST(AppRoughEdges, LongSubtitlesEndInAnEllipsisWithTheWholeTextAsTooltip) {
    ViewPanel panel(QStringLiteral("Title"), new QLabel);  // the panel owns its view
    panel.resize(260, 120);
    panel.show();
    const QString subtitle = QStringLiteral("Cumulative weight bytes read 43.7% of dense so far, and more words");
    panel.setSubtitle(subtitle);
    QLabel* shown = nullptr;
    for (QLabel* label : panel.findChildren<QLabel*>()) {
        if (label->text().endsWith(QChar(0x2026))) shown = label;
    }
    ASSERT_NE(shown, nullptr) << "no elided subtitle";
    EXPECT_EQ(shown->toolTip(), subtitle);
    EXPECT_EQ(panel.subtitle(), subtitle);
    panel.resize(1400, 120);  // room for all of it: no ellipsis, no tooltip
    EXPECT_EQ(shown->text(), subtitle);
    EXPECT_EQ(shown->toolTip(), QString());
}

TEST(AppRoughEdges, TokenTableSortsByValueAndNamesExpertsLikeTheHeatmaps) {
    MainWindow w;
    w.show();
    fill(w, 30);
    w.store()->selectLayer(2);  // MoE layer 2 is block 3 (block 0 is dense)
    QAbstractItemModel* table = w.tokenTable()->model();
    EXPECT_EQ(table->headerData(TokenListModel::TopExpertColumn, Qt::Horizontal).toString(), "Top expert (layer 3)");
    const int top = syntheticTokens(smallShape(), 0, 1).front().moe_layers[2].experts[0];
    EXPECT_EQ(table->index(0, TokenListModel::TopExpertColumn).data().toString(), QStringLiteral("E%1").arg(top));

    w.tokenTable()->sortByColumn(TokenListModel::TimeColumn, Qt::DescendingOrder);
    double slowest = 0;
    for (const auto& t : w.store()->tokens()) slowest = std::max(slowest, t.total_ms);
    EXPECT_EQ(table->index(0, TokenListModel::TimeColumn).data(ValueRole).toDouble(), slowest);
    EXPECT_EQ(table->index(0, TokenListModel::TimeColumn).data().toString(), QString::number(slowest, 'f', 2));
    // A click on a sorted row selects that token, not the row number.
    const int token = table->index(0, TokenListModel::StepColumn).data(ValueRole).toInt();
    Q_EMIT w.tokenTable()->clicked(table->index(0, 0));
    EXPECT_EQ(w.store()->selectedToken(), token);
}

TEST(AppRoughEdges, DocksCloseAndReopenFromTheViewMenu) {
    MainWindow w;
    w.show();
    for (QDockWidget* dock : w.findChildren<QDockWidget*>()) {
        QAction* toggle = dock->toggleViewAction();
        EXPECT_TRUE(toggle->isEnabled()) << dock->windowTitle().toStdString();
        toggle->trigger();
        EXPECT_FALSE(dock->isVisible());
        toggle->trigger();
        EXPECT_TRUE(dock->isVisible());
    }
}

TEST(AppRoughEdges, RunAndStopHaveAMenu) {
    MainWindow w;
    QStringList texts;
    for (QAction* menu : w.menuBar()->actions()) {
        if (menu->menu()) {
            for (QAction* a : menu->menu()->actions()) texts << a->text();
        }
    }
    EXPECT_TRUE(texts.contains("Run")) << texts.join(", ").toStdString();
    EXPECT_TRUE(texts.contains("Stop"));
    EXPECT_TRUE(texts.contains("&Keyboard Shortcuts"));
}

TEST(AppRoughEdges, ViewsAreFoundWithAPlainX) {
    MainWindow w;
    ViewPanel* panel = w.showPanel(QStringLiteral("layer x expert"));
    ASSERT_NE(panel, nullptr);
    EXPECT_EQ(panel->title(), QStringLiteral("Layer \u00d7 expert"));
    EXPECT_EQ(w.showPanel(QStringLiteral("Token X Expert")), w.tokenExpertView()->parentWidget());
}

TEST(AppRoughEdges, ExportsCarryTitleAndSelectionAndSvgCellsAreVectors) {
    MainWindow w;
    w.resize(1200, 800);
    w.show();
    fill(w, 12);
    w.store()->selectToken(5);
    ViewPanel* panel = w.showPanel(QStringLiteral("Layer \u00d7 expert"));
    ASSERT_NE(panel, nullptr);
    const QString svg = QString::fromStdString(moe::test::temp_dir()) + "/layer.svg";
    ASSERT_EQ(panel->exportTo(svg), QString());
    const std::string text = moe::test::read_file(svg.toStdString());
    EXPECT_NE(text.find("Layer \xc3\x97 expert"), std::string::npos) << "the title";
    EXPECT_NE(text.find("token 5"), std::string::npos) << "the selected token";
    EXPECT_EQ(text.find("<image"), std::string::npos) << "4 layers x 9 experts are drawn as vector cells";
}

TEST(AppRoughEdges, ByteChartsUseOneUnitAndRoundTicks) {
    MainWindow w;
    w.resize(1200, 800);
    w.show();
    fill(w, 20);
    w.showTab(QStringLiteral("compute"));
    ViewPanel* kv = w.showPanel(QStringLiteral("KV cache size"));
    ASSERT_NE(kv, nullptr);
    QValueAxis* axis = verticalAxis(kv->view());
    ASSERT_NE(axis, nullptr);
    ASSERT_TRUE(QTest::qWaitFor([&] { return axis->max() > 1.0; }, 5000)) << axis->max() << " " << axis->titleText().toStdString();
    // The subtitle states the cached size with the same unit as the axis.
    const QString unit = axis->titleText();
    EXPECT_TRUE(kv->subtitle().contains(" " + unit + " cached")) << kv->subtitle().toStdString() << " / " << unit.toStdString();
    // A round step (1, 2 or 5 × 10^k) that divides the top.
    const double step = axis->tickInterval();
    const double mantissa = step / std::pow(10.0, std::floor(std::log10(step)));
    EXPECT_TRUE(std::abs(mantissa - 1) < 1e-9 || std::abs(mantissa - 2) < 1e-9 || std::abs(mantissa - 5) < 1e-9) << step;
    EXPECT_NEAR(std::remainder(axis->max(), step), 0.0, 1e-9 * axis->max());
}

TEST(AppRoughEdges, ModelCardSaysWhatItsActiveShareCounts) {
    ModelCard card;
    card.setInfo(syntheticModelInfo(smallShape()));
    EXPECT_TRUE(card.fieldText("Parameters").contains("of the weights")) << card.fieldText("Parameters").toStdString();
}

TEST(AppRoughEdges, ModelDockShowsTheWholeCardOnceThereIsRoom) {
    MainWindow w;
    w.resize(1024, 700);
    w.show();
    fill(w, 5);
    w.resize(1600, 1000);
    auto* scroll = w.findChild<QDockWidget*>(QStringLiteral("modelDock"))->findChild<QScrollArea*>();
    ASSERT_NE(scroll, nullptr);
    EXPECT_TRUE(QTest::qWaitFor([&] { return !scroll->verticalScrollBar()->isVisible(); }, 2000))
        << "card " << w.modelCard()->height() << " px in a " << scroll->viewport()->height() << " px dock";
}

TEST(AppRoughEdges, AnyOtherJsonIsNotASessionAndTheTitleNamesTheOpenSession) {
    MainWindow w;
    const QString dir = QString::fromStdString(moe::test::temp_dir());
    const QString other = dir + "/package.json";
    {
        QFile f(other);
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write("{\"name\": \"left-pad\", \"version\": \"1.3.0\"}");
    }
    EXPECT_FALSE(w.openSessionFile(other));
    EXPECT_TRUE(w.messageText().contains("not a MoEScope session")) << w.messageText().toStdString();
    EXPECT_FALSE(w.messageText().contains("version")) << w.messageText().toStdString();

    fill(w, 6);
    const QString good = dir + "/run.moescope.json";
    ASSERT_EQ(w.saveSessionFile(good), QString());
    ASSERT_TRUE(w.openSessionFile(good));
    EXPECT_EQ(w.windowTitle(), QStringLiteral("MoEScope \u2014 run.moescope.json"));
    // The weights' placement belongs to a load in this process, not to a recorded session.
    EXPECT_EQ(w.modelCard()->fieldText("Weights in memory"), QString());
}
