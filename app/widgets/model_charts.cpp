#include "widgets/model_charts.h"

#include <QAbstractItemModel>
#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QGraphicsLayout>
#include <QPainterPath>
#include <QPen>
#include <QLineSeries>
#include <QCursor>
#include <QToolTip>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

#include "gui_private/routing_models.h"
#include "gui_private/timing_models.h"
#include "widgets/model_card.h"

namespace moe::gui {

namespace {
// Charts redraw at most this often while tokens stream in.
constexpr int kRefreshDelayMs = 120;

// The smallest of 1, 2 or 5 times a power of ten that is at least v.
double niceCeiling(double v) {
    if (!(v > 0)) return 1.0;
    const double p = std::pow(10.0, std::floor(std::log10(v)));
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        if (v <= m * p * (1 + 1e-9)) return m * p;
    }
    return 10 * p;
}

// A value axis from 0 to just past `max` in about five round steps (0, 0.5, 1, … not 0.125, …).
void setNiceRange(QValueAxis* axis, double max, int steps) {
    const double step = niceCeiling((max > 0 ? max : 1.0) / steps);
    axis->setRange(0, std::max(1.0, std::ceil(max / step - 1e-9)) * step);
    axis->setTickType(QValueAxis::TicksDynamic);
    axis->setTickAnchor(0);
    axis->setTickInterval(step);
}

}  // namespace

void styleChart(QChart* chart) {
    // The surrounding ViewPanel carries the title; the chart only plots.
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->setBackgroundRoundness(0);
    chart->setBackgroundPen(Qt::NoPen);
    chart->setMargins(QMargins(2, 2, 2, 2));
    chart->layout()->setContentsMargins(0, 0, 0, 0);
    chart->legend()->setAlignment(Qt::AlignBottom);
}

// QChartView(parent) would create a default chart that setChart() releases but never deletes,
// so the view is constructed with its chart.
ModelChartView::ModelChartView(QWidget* parent) : QChartView(new QChart, parent) {
    styleChart(chart());
    setMinimumSize(280, 200);
    refresh_timer_.setSingleShot(true);
    refresh_timer_.setInterval(kRefreshDelayMs);
    connect(&refresh_timer_, &QTimer::timeout, this, &ModelChartView::refresh);
}

void ModelChartView::followModel(QAbstractItemModel* model) {
    model_ = model;
    connect(model, &QAbstractItemModel::modelReset, this, &ModelChartView::scheduleRedraw);
    connect(model, &QAbstractItemModel::rowsInserted, this, &ModelChartView::scheduleRedraw);
    connect(model, &QAbstractItemModel::dataChanged, this, &ModelChartView::scheduleRedraw);
    scheduleRedraw();
}

void ModelChartView::scheduleRedraw() {
    if (!refresh_timer_.isActive()) refresh_timer_.start();
}

void ModelChartView::showEvent(QShowEvent* event) {
    QChartView::showEvent(event);
    if (stale_) refresh();
}

void ModelChartView::refresh() {
    stale_ = !isVisible();
    if (!stale_ && model_) redraw();
}

ModelLineChart::ModelLineChart(const QString& x_title, const QString& y_title, QWidget* parent)
    : ModelChartView(parent), axis_x_(new QValueAxis), axis_y_(new QValueAxis) {
    QChart* c = chart();
    axis_x_->setTitleText(x_title);
    axis_x_->setLabelFormat(QStringLiteral("%d"));
    axis_y_->setTitleText(y_title);
    axis_y_->setLabelFormat(QStringLiteral("%.3g"));
    c->addAxis(axis_x_, Qt::AlignBottom);
    c->addAxis(axis_y_, Qt::AlignLeft);
    setRenderHint(QPainter::Antialiasing);
}

void ModelLineChart::setModel(QAbstractItemModel* model, int x_column) {
    x_column_ = x_column;
    followModel(model);
}

void ModelLineChart::addSeries(const QString& name, int y_column, const QColor& color, Rows rows, double scale) {
    auto* s = new QLineSeries;
    s->setName(name);
    s->setPen(QPen(color, 1.8));
    chart()->addSeries(s);
    s->attachAxis(axis_x_);
    s->attachAxis(axis_y_);
    series_.append({s, y_column, rows, scale});
    scheduleRedraw();
}

void ModelLineChart::setPlaceholder(const QString& text) {
    placeholder_ = text;
    for (const auto& spec : series_) spec.series->setVisible(text.isEmpty());
    updateTitle();
}

void ModelLineChart::updateTitle() {
    // An empty chart says what to do next.
    const bool empty = !model() || model()->rowCount() == 0;
    chart()->setTitle(!placeholder_.isEmpty() ? placeholder_
                      : empty ? tr("No data yet. Run a prompt (Ctrl+Enter) or click a sample prompt.")
                              : QString());
}

void ModelLineChart::setMarker(double x) {
    marker_x_ = x;
    if (!marker_) {
        marker_ = new QLineSeries;
        marker_->setName(tr("selected token"));
        marker_->setPen(QPen(QColor(0xd9, 0x2b, 0x2b), 1.2, Qt::DashLine));
        chart()->addSeries(marker_);
        marker_->attachAxis(axis_x_);
        marker_->attachAxis(axis_y_);
    }
    marker_->setVisible(x >= 0);  // hides its legend entry too
    if (x >= 0) marker_->replace({QPointF(x, axis_y_->min()), QPointF(x, axis_y_->max())});
}

void ModelLineChart::setBytes(bool bytes) {
    bytes_ = bytes;
    scheduleRedraw();
}

void ModelLineChart::setAxisTitles(const QString& x_title, const QString& y_title) {
    axis_x_->setTitleText(x_title);
    if (!bytes_) axis_y_->setTitleText(y_title);
}

void ModelLineChart::changeEvent(QEvent* event) {
    ModelChartView::changeEvent(event);
    if (event->type() != QEvent::LanguageChange) return;
    if (marker_) marker_->setName(tr("selected token"));
    updateTitle();
}

void ModelLineChart::setSeriesName(int series, const QString& name) {
    if (series >= 0 && series < series_.size()) series_[series].series->setName(name);
}

void ModelLineChart::redraw() {
    QAbstractItemModel* m = model();
    const int rows = m->rowCount();
    double max_x = 1, max_y = 0;
    QVector<QList<QPointF>> all_points;
    for (const auto& spec : series_) {
        QList<QPointF> points;
        points.reserve(rows);
        for (int r = 0; r < rows; ++r) {
            if (spec.rows != Rows::All) {
                const bool prompt = m->data(m->index(r, 0), IsPromptRole).toBool();
                if (prompt != (spec.rows == Rows::PromptOnly)) continue;
            }
            const double x = m->data(m->index(r, x_column_), ValueRole).toDouble();
            const double y = m->data(m->index(r, spec.column), ValueRole).toDouble() * spec.scale;
            points.append(QPointF(x, y));
            max_x = std::max(max_x, x);
            max_y = std::max(max_y, y);
        }
        all_points.append(points);
    }
    // Byte charts use one unit for every line and the axis, chosen from the largest value.
    const ByteUnit unit = bytes_ ? byteUnitFor(max_y) : ByteUnit{1.0, nullptr};
    for (int i = 0; i < series_.size(); ++i) {
        if (unit.divisor != 1.0) {
            for (QPointF& point : all_points[i]) point.setY(point.y() / unit.divisor);
        }
        series_[i].series->replace(all_points[i]);
    }
    if (unit.name) axis_y_->setTitleText(QString::fromLatin1(unit.name));
    // The axis ends at the last token; ticks fall on round steps from 0.
    axis_x_->setRange(0, max_x);
    axis_x_->setTickType(QValueAxis::TicksDynamic);
    axis_x_->setTickAnchor(0);
    axis_x_->setTickInterval(std::max(1.0, niceCeiling(max_x / 6)));  // steps are whole tokens
    setNiceRange(axis_y_, max_y / unit.divisor, 5);
    if (marker_) setMarker(marker_x_);  // span the new y range
    updateTitle();
}

LayerTimeChart::LayerTimeChart(QWidget* parent)
    : ModelChartView(parent), series_(new QBarSeries), whiskers_(new QGraphicsPathItem(chart())),
      axis_x_(new QBarCategoryAxis), axis_y_(new QValueAxis) {
    QChart* c = chart();
    QBarSeries* series = series_;
    const struct {
        const char* name;
        QColor color;
    } sets[] = {{QT_TR_NOOP("Selected token"), QColor(0x21, 0x71, 0xb5)},
                {QT_TR_NOOP("Median prefill token"), QColor(0xbd, 0xbd, 0xbd)},
                {QT_TR_NOOP("Median decode token"), QColor(0xfd, 0x8d, 0x3c)}};
    for (const auto& s : sets) {
        auto* set = new QBarSet(QString());
        set->setColor(s.color);
        set->setBorderColor(s.color);
        series->append(set);
        sets_.append(set);
        set_names_.append(s.name);
    }
    c->addSeries(series);
    whiskers_->setPen(QPen(QColor(0x7f, 0x27, 0x04), 1.5));
    whiskers_->setZValue(10);  // above the bars
    connect(c, &QChart::plotAreaChanged, this, [this] { placeWhiskers(); });
    // The numbers behind a bar, on hover: a slow outlier moves neither the median nor the whisker.
    connect(series, &QBarSeries::hovered, this, [this](bool entered, int layer, QBarSet* set) {
        if (!entered || !model() || layer < 0 || layer >= model()->rowCount()) return QToolTip::hideText();
        auto ms = [&](int column) { return QString::number(model()->index(layer, column).data(ValueRole).toDouble(), 'f', 3); };
        QString tip = tr("block %1, %2: %3 ms").arg(layer).arg(set->label(), ms(columnOf(set)));
        if (set == sets_.value(2)) {
            tip += QLatin1Char('\n') + tr("middle half of decode tokens: %1 to %2 ms")
                                           .arg(ms(LayerTimeModel::DecodeP25MsColumn), ms(LayerTimeModel::DecodeP75MsColumn));
        }
        QToolTip::showText(QCursor::pos(), tip, this);
    });
    retranslate();
    axis_y_->setLabelFormat(QStringLiteral("%.3g"));
    c->addAxis(axis_x_, Qt::AlignBottom);
    c->addAxis(axis_y_, Qt::AlignLeft);
    series->attachAxis(axis_x_);
    series->attachAxis(axis_y_);
}

void LayerTimeChart::setModel(QAbstractItemModel* model) { followModel(model); }

int LayerTimeChart::columnOf(QBarSet* set) const {
    const int columns[] = {LayerTimeModel::SelectedMsColumn, LayerTimeModel::MedianPrefillMsColumn,
                           LayerTimeModel::MedianDecodeMsColumn};
    return columns[std::max<qsizetype>(0, sets_.indexOf(set))];
}

void LayerTimeChart::retranslate() {
    for (int i = 0; i < sets_.size(); ++i) sets_[i]->setLabel(tr(set_names_[i]));
    axis_x_->setTitleText(tr("layer"));
    axis_y_->setTitleText(tr("ms"));
}

void LayerTimeChart::changeEvent(QEvent* event) {
    ModelChartView::changeEvent(event);
    if (event->type() == QEvent::LanguageChange) retranslate();
}

void LayerTimeChart::redraw() {
    QAbstractItemModel* m = model();
    const int rows = m->rowCount();
    QStringList categories;
    for (int r = 0; r < rows; ++r) categories << QString::number(r);
    if (axis_x_->categories() != categories) axis_x_->setCategories(categories);
    const int columns[] = {columnOf(sets_[0]), columnOf(sets_[1]), columnOf(sets_[2])};
    double max_y = 0;
    for (int s = 0; s < sets_.size(); ++s) {
        QList<qreal> values;
        for (int r = 0; r < rows; ++r) {
            values.append(m->data(m->index(r, columns[s]), ValueRole).toDouble());
            max_y = std::max(max_y, values.back());
        }
        if (sets_[s]->count() == values.size()) {
            for (int r = 0; r < rows; ++r) sets_[s]->replace(r, values[r]);
        } else {
            sets_[s]->remove(0, sets_[s]->count());
            sets_[s]->append(values);
        }
    }
    decode_spread_.resize(rows);
    for (int r = 0; r < rows; ++r) {
        decode_spread_[r] = {m->data(m->index(r, LayerTimeModel::DecodeP25MsColumn), ValueRole).toDouble(),
                             m->data(m->index(r, LayerTimeModel::DecodeP75MsColumn), ValueRole).toDouble()};
        max_y = std::max(max_y, decode_spread_[r].second);
    }
    setNiceRange(axis_y_, max_y, 5);
    placeWhiskers();
}

void LayerTimeChart::placeWhiskers() {
    // A category spans one unit of x centred on its index; its sets share barWidth of it side by side.
    const double width = series_->barWidth() / sets_.size();
    const double offset = -series_->barWidth() / 2 + 2.5 * width;  // the centre of the third set (decode)
    QPainterPath path;
    for (int layer = 0; layer < decode_spread_.size(); ++layer) {
        const auto [low, high] = decode_spread_[layer];
        if (high <= 0) continue;
        const QPointF bottom = chart()->mapToPosition(QPointF(layer + offset, low), series_);
        const QPointF top = chart()->mapToPosition(QPointF(layer + offset, high), series_);
        const double cap = (chart()->mapToPosition(QPointF(width, 0), series_).x() -
                            chart()->mapToPosition(QPointF(0, 0), series_).x()) / 4;
        path.moveTo(bottom);
        path.lineTo(top);
        path.moveTo(top.x() - cap, top.y());
        path.lineTo(top.x() + cap, top.y());
        path.moveTo(bottom.x() - cap, bottom.y());
        path.lineTo(bottom.x() + cap, bottom.y());
    }
    whiskers_->setPath(path);
}

QColor seriesColor(int i) {
    static const QColor colors[] = {QColor(0x21, 0x71, 0xb5), QColor(0xe6, 0x55, 0x0d), QColor(0x31, 0xa3, 0x54),
                                    QColor(0x75, 0x6b, 0xb1)};
    return colors[i % 4];
}

}  // namespace moe::gui
