// The window's What-if and Compare tabs on the real engine: disabling a token's rank-0 expert
// hatches its cells in the routing heatmap, Run what-if moves that token's next-token
// distribution, a run compared with itself shows 100 %, and the new views export.
#include <gtest/gtest.h>

#include <QChartView>
#include <QFile>
#include <QPainter>
#include <QSignalSpy>
#include <QTest>

#include "app/app_test_util.h"
#include "gui_private/analysis_models.h"
#include "gui_private/exports.h"
#include "gui_private/routing_models.h"
#include "gui_private/run_models.h"
#include "gui_private/trace_store.h"
#include "support/test_support.h"
#include "widgets/compare_page.h"
#include "widgets/heatmap_view.h"
#include "widgets/main_window.h"
#include "widgets/view_panel.h"
#include "widgets/what_if_page.h"

using namespace moe::gui;

namespace {

QImage render(HeatmapView* view) {
    QImage image(view->exportSize(), QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter p(&image);
    view->renderTo(&p, image.rect());
    return image;
}

}  // namespace

TEST(WhatIfWindow, DisabledExpertIsHatchedAndWhatIfMovesItsToken) {
    const std::string path = moe::test::runnableModelPath();
    if (path.empty()) GTEST_SKIP() << "no demo model";
    MainWindow w;
    w.resize(1200, 800);
    w.show();
    moe::test::ModelTesters testers;
    moe::test::ModelTesters::clearComplaints();
    testers.attach(w.whatIfPage()->model());
    testers.attach(w.comparePage()->comparisonModel());
    testers.attach(w.comparePage()->runListModel());

    QSignalSpy loaded(w.controller(), &InferenceController::modelLoaded);
    w.openModel(QString::fromStdString(path));
    ASSERT_TRUE(moe::test::waitForSignals(loaded));
    QSignalSpy finished(w.controller(), &InferenceController::generationFinished);
    w.setPrompt(QStringLiteral("17+25="));
    w.setMaxTokens(8);
    w.run();
    ASSERT_TRUE(moe::test::waitForSignals(finished));

    TraceStore* store = w.store();
    const int token = 4;
    const int expert = store->topExpert(token, store->selectedLayer());
    HeatmapView* view = w.tokenExpertView();
    const QImage before = render(view);
    moe::RoutingOverrides overrides;
    overrides.disabled = {{store->blockOfMoeLayer(store->selectedLayer()), expert}};
    store->setOverrides(overrides);
    const QImage after = render(view);
    ASSERT_EQ(before.size(), after.size());
    // The hatch changes pixels in the disabled expert's band only (tokens run along x, experts
    // down y): every changed pixel row lies within one band of height / experts rows.
    const int experts = view->heatmapImage().extent().height();
    int first_changed_row = -1, last_changed_row = -1;
    for (int y = 0; y < after.height(); ++y)
        for (int x = 0; x < after.width(); ++x)
            if (before.pixel(x, y) != after.pixel(x, y)) {
                if (first_changed_row < 0) first_changed_row = y;
                last_changed_row = y;
                break;
            }
    ASSERT_GE(first_changed_row, 0) << "no hatch drawn";
    EXPECT_LE(last_changed_row - first_changed_row + 1, after.height() / experts + 2) << experts;

    QSignalSpy what_if(w.controller(), &InferenceController::whatIfFinished);
    w.runWhatIf();
    ASSERT_TRUE(moe::test::waitForSignals(what_if));
    EXPECT_EQ(what_if.front().at(0).toString(), QString());
    WhatIfModel* model = w.whatIfPage()->model();
    ASSERT_EQ(model->run(), 1);
    EXPECT_GT(model->index(token, WhatIfModel::KlColumn).data(ValueRole).toDouble(), 0.0);
    EXPECT_EQ(model->index(token, WhatIfModel::RoutingColumn).data(ValueRole).toBool(), true);
    EXPECT_TRUE(w.whatIfPage()->summary().contains(QStringLiteral("mean KL")));

    ComparePage* compare = w.comparePage();
    EXPECT_EQ(compare->comparisonModel()->runA(), 0);  // a new what-if is compared with its baseline
    EXPECT_EQ(compare->comparisonModel()->runB(), 1);
    QSignalSpy computed(compare->comparisonModel(), &RunComparisonModel::computed);
    compare->setRuns(1, 1);
    ASSERT_TRUE(moe::test::waitForSignals(computed));
    for (int l = 0; l < compare->comparisonModel()->rowCount(); ++l)
        EXPECT_EQ(compare->comparisonModel()->index(l, RunComparisonModel::JaccardColumn).data().toString(),
                  QStringLiteral("100.0 %"));
    EXPECT_EQ(compare->headline(), QStringLiteral("The two runs evaluate the same %1 tokens.")
                                       .arg(compare->comparisonModel()->comparison().tokens_compared));

    // A click on an expert's row of the routing diff shows that expert in the inspector.
    w.showTab(QStringLiteral("compare"));
    RunDiffView* diff = compare->diffView();
    const QRect cells = diff->cellsRect();
    const int n_expert = diff->diff().n_expert;
    ASSERT_GT(n_expert, 0);
    const int target = (w.store()->selectedExpert() + 5) % n_expert;
    QTest::mouseClick(diff, Qt::LeftButton, {},
                      QPoint(cells.center().x(), cells.top() + (2 * target + 1) * cells.height() / (2 * n_expert)));
    EXPECT_EQ(w.store()->selectedExpert(), target);

    // Exports: PNG and SVG of both new views, CSV of both new tables.
    const QString dir = QString::fromStdString(moe::test::temp_dir());
    for (ViewPanel* panel : compare->panels()) {
        for (const char* ext : {"png", "svg"}) {
            const QString file = dir + QStringLiteral("/%1.%2").arg(panel->objectName().replace(' ', '_'), ext);
            EXPECT_EQ(panel->exportTo(file), QString());
            EXPECT_GT(QFile(file).size(), 1000) << file.toStdString();
        }
    }
    const QString csv = dir + QStringLiteral("/what-if.csv");
    ASSERT_EQ(w.whatIfPage()->exportCsv(csv), QString());
    const std::string text = moe::test::read_file(csv.toStdString());
    EXPECT_EQ(text.substr(0, text.find('\n')),
              "Pos,Token,Next token,KL (nats),Δ log p(next),Greedy choice,Routing,FLOPs saved,Weight bytes saved");
    EXPECT_EQ(static_cast<int>(std::count(text.begin(), text.end(), '\n')), model->rowCount() + 1);
    const std::string agreement = tableCsv(*compare->comparisonModel());
    EXPECT_EQ(agreement.substr(0, agreement.find('\n')), "Layer,Set agreement,Top-1 agreement,Jaccard");
    EXPECT_NE(agreement.find("\n1,1,1,1\n"), std::string::npos) << agreement;  // layer 1, a run with itself
    EXPECT_TRUE(moe::test::ModelTesters::complaints().isEmpty())
        << moe::test::ModelTesters::complaints().join('\n').toStdString();
}
