#include "widgets/analysis_charts.h"

#include <QAbstractItemModel>
#include <QEvent>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPen>
#include <QValueAxis>

#include "widgets/model_charts.h"

namespace moe::gui {

CurveChart::CurveChart(QWidget* parent) : QChartView(new QChart, parent), axis_x_(new QValueAxis), axis_y_(new QValueAxis) {
    styleChart(chart());
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(260, 180);
    chart()->addAxis(axis_x_, Qt::AlignBottom);
    chart()->addAxis(axis_y_, Qt::AlignLeft);
    axis_y_->setRange(0, 1);
    axis_y_->setLabelFormat(QStringLiteral("%.1f"));
    axis_x_->setLabelFormat(QStringLiteral("%d"));
}

QLineSeries* CurveChart::addSeries(const QColor& color, bool dashed) {
    auto* s = new QLineSeries;
    QPen pen(color, 2);
    if (dashed) pen.setStyle(Qt::DashLine);
    s->setPen(pen);
    chart()->addSeries(s);
    s->attachAxis(axis_x_);
    s->attachAxis(axis_y_);
    series_.append(s);
    return s;
}

void CurveChart::setMarks(const QList<double>& xs, const QStringList& names) {
    while (marks_.size() < xs.size()) {
        auto* s = new QLineSeries;
        s->setPen(QPen(QColor(0x99, 0x99, 0x99), 1, Qt::DotLine));
        chart()->addSeries(s);
        s->attachAxis(axis_x_);
        s->attachAxis(axis_y_);
        marks_.append(s);
    }
    for (int i = 0; i < marks_.size(); ++i) {
        const bool on = i < xs.size();
        marks_[i]->replace(on ? QList<QPointF>{{xs[i], 0.0}, {xs[i], 1.0}} : QList<QPointF>{});
        marks_[i]->setName(on ? names[i] : QString());
        marks_[i]->setVisible(on);
    }
}

void CurveChart::fit(double x_max) { axis_x_->setRange(0, std::max(1.0, x_max)); }

void CurveChart::changeEvent(QEvent* event) {
    QChartView::changeEvent(event);
    if (event->type() == QEvent::LanguageChange) retranslate();
}

void CurveChart::clear() {
    for (QLineSeries* s : series_) s->clear();
    setMarks({}, {});
}

CacheChart::CacheChart(QWidget* parent) : CurveChart(parent) {
    for (bool mean : {false, true}) {
        for (int policy = 0; policy < 3; ++policy) addSeries(seriesColor(policy), mean);
    }
    retranslate();
}

void CacheChart::setData(const moe::analysis::LayerReport& layer, const std::vector<moe::analysis::LayerReport>& all, int k) {
    k_ = k;
    const size_t n = layer.cache.size();
    for (int policy = 0; policy < 3; ++policy) {
        QList<QPointF> here, mean;
        for (size_t i = 0; i < n; ++i) {
            auto rate = [policy](const moe::analysis::CacheHitRates& c) { return policy == 0 ? c.lru : policy == 1 ? c.lfu : c.oracle; };
            double sum = 0;
            for (const auto& l : all) sum += rate(l.cache[i]);
            here.append({static_cast<double>(layer.cache[i].size), rate(layer.cache[i])});
            mean.append({static_cast<double>(layer.cache[i].size), sum / static_cast<double>(all.size())});
        }
        series_[policy]->replace(here);
        series_[3 + policy]->replace(mean);
    }
    fit(n > 0 ? layer.cache.back().size : 1);
    retranslate();
}

void CacheChart::retranslate() {
    const char* names[] = {QT_TR_NOOP("LRU"), QT_TR_NOOP("LFU"), QT_TR_NOOP("oracle")};
    // The legend names the policies; the panel's subtitle says solid = this layer, dashed = mean.
    for (int policy = 0; policy < 3; ++policy) {
        series_[policy]->setName(tr(names[policy]));
        series_[3 + policy]->setName(tr(names[policy]));
        for (QLegendMarker* marker : chart()->legend()->markers(series_[3 + policy])) marker->setVisible(false);
    }
    axis_x_->setTitleText(tr("experts the cache holds"));
    axis_y_->setTitleText(tr("hit rate"));
    if (k_ > 0) setMarks({double(k_), 2.0 * k_}, {tr("k = %1").arg(k_), tr("2k = %1").arg(2 * k_)});
    for (QLineSeries* mark : marks_) {
        for (QLegendMarker* marker : chart()->legend()->markers(mark)) marker->setVisible(false);
    }
    axis_x_->setTickCount(5);
}

CoverageChart::CoverageChart(QWidget* parent) : CurveChart(parent) {
    addSeries(seriesColor(0), false);
    addSeries(seriesColor(0), true);
    retranslate();
}

void CoverageChart::setData(const moe::analysis::LayerReport& layer, const std::vector<moe::analysis::LayerReport>& all, int k) {
    k_ = k;
    QList<QPointF> here, mean;
    for (size_t m = 0; m < layer.coverage.size(); ++m) {
        double sum = 0;
        for (const auto& l : all) sum += l.coverage[m];
        here.append({static_cast<double>(m + 1), layer.coverage[m]});
        mean.append({static_cast<double>(m + 1), sum / static_cast<double>(all.size())});
    }
    series_[0]->replace(here);
    series_[1]->replace(mean);
    fit(static_cast<double>(layer.coverage.size()));
    retranslate();
}

void CoverageChart::retranslate() {
    series_[0]->setName(tr("this layer"));
    series_[1]->setName(tr("mean of layers"));
    axis_x_->setTitleText(tr("busiest experts kept (M)"));
    axis_y_->setTitleText(tr("share of routing handled"));
    if (k_ > 0) setMarks({double(k_)}, {tr("k = %1").arg(k_)});
}

}  // namespace moe::gui
