// The Compare tab: two runs of the session's history side by side. The token-aligned diff of
// the selected MoE layer (chosen in A only, in B only, in both), the per-layer agreement chart
// (set agreement, top-1, Jaccard) and the first position where the token sequences diverge.
#pragma once

#include <QWidget>

#include "analysis/run_comparison.h"
#include "widgets/page.h"

class QChartView;
class QComboBox;
class QLabel;

namespace moe::gui {

class RunComparisonModel;
class RunListModel;

// Tokens along x, experts along y, coloured by membershipColor; the first divergence is a red line.
class RunDiffView : public QWidget {
    Q_OBJECT
public:
    explicit RunDiffView(QWidget* parent = nullptr);
    void setDiff(moe::analysis::LayerDiff diff, int first_divergence);  // -1: none
    const moe::analysis::LayerDiff& diff() const { return diff_; }
    QRect cellsRect() const;  // where the cells are drawn
    QSize sizeHint() const override { return {640, 260}; }

Q_SIGNALS:
    void expertClicked(int expert);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    moe::analysis::LayerDiff diff_;
    int divergence_ = -1;
};

class ComparePage : public Page {
    Q_OBJECT
public:
    explicit ComparePage(TraceStore* store, QWidget* parent = nullptr);
    void setRuns(int a, int b);
    RunComparisonModel* comparisonModel() const { return comparison_; }
    RunListModel* runListModel() const { return runs_; }
    RunDiffView* diffView() const { return diff_view_; }
    QChartView* agreementChart() const { return chart_; }
    QString headline() const;

protected:
    void onStoreReset() override;

private:
    void onRunsChanged();
    void requestComparison();  // the pickers' choice and the selected layer into the model
    void showComparison();     // its result into every view

    RunListModel* runs_;
    RunComparisonModel* comparison_;
    QComboBox* run_a_;
    QComboBox* run_b_;
    QLabel* headline_;
    RunDiffView* diff_view_;
    QChartView* chart_;
    ViewPanel* diff_panel_ = nullptr;
};

}  // namespace moe::gui
