// The Analysis page's two line charts, each redrawn with series->replace() from a report:
// expert-cache hit rate against cache size (LRU, LFU, oracle; the selected layer solid, the
// mean over layers dashed; k and 2k marked) and pruning coverage against the experts kept.
#pragma once

#include <QChartView>

#include "analysis/analysis_report.h"

class QLineSeries;
class QValueAxis;

namespace moe::gui {

class CurveChart : public QChartView {
    Q_OBJECT
public:
    explicit CurveChart(QWidget* parent = nullptr);
    void clear();  // no data: the series empty

protected:
    virtual void retranslate() = 0;  // series and axis names, the marks at k (and 2k)
    void changeEvent(QEvent* event) override;
    QLineSeries* addSeries(const QColor& color, bool dashed);
    void setMarks(const QList<double>& xs, const QStringList& names);  // vertical lines
    void fit(double x_max);  // x from 0 to x_max (y is 0 to 1)
    QValueAxis* axis_x_;
    QValueAxis* axis_y_;
    QList<QLineSeries*> series_;
    QList<QLineSeries*> marks_;
    int k_ = 0;  // the largest chosen set
};

class CacheChart : public CurveChart {
    Q_OBJECT
public:
    explicit CacheChart(QWidget* parent = nullptr);
    // The selected layer's rates and every layer's (for the mean); k = the largest chosen set.
    void setData(const moe::analysis::LayerReport& layer, const std::vector<moe::analysis::LayerReport>& all, int k);

private:
    void retranslate() override;
};

class CoverageChart : public CurveChart {
    Q_OBJECT
public:
    explicit CoverageChart(QWidget* parent = nullptr);
    void setData(const moe::analysis::LayerReport& layer, const std::vector<moe::analysis::LayerReport>& all, int k);

private:
    void retranslate() override;
};

}  // namespace moe::gui
