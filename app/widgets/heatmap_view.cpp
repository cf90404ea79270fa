#include "widgets/heatmap_view.h"

#include <QAbstractItemModel>
#include <QContextMenuEvent>
#include <QElapsedTimer>
#include <QHelpEvent>
#include <QMenu>
#include <QMouseEvent>
#include <QPaintEngine>
#include <QPainter>
#include <QScrollBar>
#include <QToolTip>

#include <algorithm>
#include <cmath>

#include "gui_private/expert_overrides.h"
#include "gui_private/routing_models.h"
#include "gui_private/trace_store.h"

namespace moe::gui {

namespace {
constexpr int kLeftMargin = 46;    // y-axis labels
constexpr int kTopMargin = 6;
constexpr int kBottomMargin = 20;  // x-axis labels
constexpr int kLegendWidth = 78;
const QColor kOutline(0xe6, 0x55, 0x0d);    // chosen experts
const QColor kHighlight(0xd9, 0x2b, 0x2b);  // the selected token / layer
const QColor kAxisText(0x55, 0x5b, 0x66);

// Above this many cells an SVG export embeds the cells as one image instead of one rectangle each.
constexpr int kMaxVectorCells = 20000;

// The smallest step from 1, 2, 5, 10, 20, 50, ... that keeps labels `min_gap` pixels apart.
int labelStep(double cell, double min_gap) {
    for (int base = 1;; base *= 10) {
        for (int m : {1, 2, 5}) {
            if (cell * base * m >= min_gap) return base * m;
        }
    }
}

// Which of `count` cells along an axis get a label: every `step`-th routed expert, and the shared
// experts after `separator` counted from their own start, so S0 is always named.
QVector<int> labelledCells(int first, int count, int step, int separator) {
    const int end = first + count;
    const int shared_start = separator >= 0 && separator + 1 < end ? separator + 1 : end;
    QVector<int> cells;
    for (int i = (first + step - 1) / step * step; i < shared_start; i += step) {
        if (shared_start < end && i > shared_start - step) break;  // would crowd S0
        cells.append(i);
    }
    for (int i = shared_start; i < end; i += step) cells.append(i);
    return cells;
}

// Legend ticks: round values along the scale, at most as many as fit `height` pixels.
QVector<double> legendTicks(const ColorScale& scale, int height, int label_height) {
    if (!(scale.max > 0)) return {0.0};
    // A sqrt scale spreads small values, so it gets ticks at small round fractions too.
    QVector<double> candidates;
    if (scale.sqrt) {
        for (double f : {0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0}) candidates.append(f * scale.max);
    } else {
        double step = std::pow(10.0, std::floor(std::log10(scale.max / 4)));
        for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
            if (scale.max / (m * step) <= 6) {
                step *= m;
                break;
            }
        }
        for (double v = 0; v <= scale.max * (1 + 1e-9); v += step) candidates.append(v);
    }
    QVector<double> ticks;
    double last_y = -1e9;
    for (double v : candidates) {
        const double y = scale.position(v) * height;
        if (y - last_y < label_height) continue;
        ticks.append(v);
        last_y = y;
    }
    return ticks;
}
}  // namespace

HeatmapView::HeatmapView(QWidget* parent) : QAbstractScrollArea(parent) {
    setFrameShape(QFrame::NoFrame);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setMouseTracking(true);
    viewport()->setBackgroundRole(QPalette::Base);
    setMinimumSize(200, 120);
    connect(&image_, &HeatmapImage::changed, this, &HeatmapView::onImageChanged);
    connect(horizontalScrollBar(), &QScrollBar::valueChanged, this,
            [this](int value) { follow_end_ = value >= horizontalScrollBar()->maximum(); });
}

void HeatmapView::setModel(QAbstractItemModel* model, bool rows_along_x, bool sqrt_scale, double floor_max) {
    image_.setModel(model, rows_along_x, sqrt_scale, floor_max);
    setHorizontalScrollBarPolicy(rows_along_x ? Qt::ScrollBarAsNeeded : Qt::ScrollBarAlwaysOff);
    updateScrollBar();
    disconnect(overrides_connection_);
    if (TraceStore* store = overridesStore())
        overrides_connection_ = connect(store, &TraceStore::overridesChanged, viewport(), qOverload<>(&QWidget::update));
}

TraceStore* HeatmapView::overridesStore() const {
    const auto* m = qobject_cast<const StoreModel*>(model());
    return m && m->columnCount() > 0 && m->index(0, 0).data(ExpertCellRole).isValid() ? m->store() : nullptr;
}

// Disabled experts get a hatch over their cells: the layer of a cell comes from its row's first
// column, the expert from its column's first row (ExpertCellRole), so a paint asks O(rows + columns).
void HeatmapView::paintDisabledExperts(QPainter& p, const Geometry& g) {
    TraceStore* store = overridesStore();
    if (!store || store->overrides().disabled.empty()) return;
    QAbstractItemModel* m = model();
    const bool rows_x = image_.rowsAlongX();
    const auto cell = [&](int row, int column) { return m->index(row, column).data(ExpertCellRole); };
    std::vector<int> layer_of_y(static_cast<size_t>(g.count_y), -1), expert_of_y(static_cast<size_t>(g.count_y), -1);
    for (int y = 0; y < g.count_y; ++y) {
        const QVariant v = rows_x ? cell(0, y) : cell(y, 0);
        if (!v.isValid()) continue;
        layer_of_y[static_cast<size_t>(y)] = v.toPoint().x();
        if (rows_x) expert_of_y[static_cast<size_t>(y)] = v.toPoint().y();
    }
    p.save();
    p.setPen(Qt::NoPen);
    p.setBrush(QBrush(QColor(0, 0, 0, 150), Qt::BDiagPattern));
    for (int x = 0; x < g.count_x; ++x) {
        const int expert_x = rows_x ? -1 : (cell(0, g.first_x + x).isValid() ? g.first_x + x : -1);
        for (int y = 0; y < g.count_y; ++y) {
            const int layer = layer_of_y[static_cast<size_t>(y)];
            const int expert = rows_x ? expert_of_y[static_cast<size_t>(y)] : expert_x;
            if (layer < 0 || expert < 0 || !store->isDisabled(layer, expert)) continue;
            p.drawRect(QRectF(g.cells.left() + x * g.cell_w, g.cells.top() + y * g.cell_h, g.cell_w, g.cell_h));
        }
    }
    p.restore();
}

void HeatmapView::contextMenuEvent(QContextMenuEvent* event) {
    TraceStore* store = overridesStore();
    const QPoint rc = cellAt(event->pos());
    const QVariant v = store && rc.x() >= 0 ? model()->index(rc.x(), rc.y()).data(ExpertCellRole) : QVariant();
    if (!v.isValid()) return;
    const int moe_layer = v.toPoint().x(), expert = v.toPoint().y();
    const int block = store->blockOfMoeLayer(moe_layer);
    const moe::ModelInfo& info = store->modelInfo();
    const moe::RoutingOverrides current = store->overrides();
    QMenu menu(this);
    if (store->isDisabled(moe_layer, expert)) {
        menu.addAction(tr("Enable expert %1 in layer %2").arg(expert).arg(block), this, [=] {
            store->setOverrides(withExpertEnabled(current, info, block, expert, false));
        });
        menu.addAction(tr("Enable expert %1 in all layers").arg(expert), this, [=] {
            store->setOverrides(withExpertEnabled(current, info, block, expert, true));
        });
    } else {
        QAction* one = menu.addAction(tr("Disable expert %1 in layer %2").arg(expert).arg(block), this, [=] {
            store->setOverrides(withExpertDisabled(current, info, block, expert, false));
        });
        one->setEnabled(canDisableOneMore(current, info, block));
        menu.addAction(tr("Disable expert %1 in all layers").arg(expert), this, [=] {
            store->setOverrides(withExpertDisabled(current, info, block, expert, true));
        });
    }
    if (!current.disabled.empty()) {
        menu.addSeparator();
        menu.addAction(tr("Enable all experts"), this, [=] {
            moe::RoutingOverrides cleared = current;
            cleared.disabled.clear();
            store->setOverrides(cleared);
        });
    }
    menu.exec(event->globalPos());
}

void HeatmapView::setLegendTitle(const QString& title) {
    legend_title_ = title;
    viewport()->update();
}

void HeatmapView::setSeparatorAfterColumn(int column) {
    separator_after_ = column;
    viewport()->update();
}

void HeatmapView::setHighlightedRow(int row, bool reveal) {
    highlighted_row_ = row;
    if (reveal && image_.rowsAlongX() && row >= 0) {
        const Geometry g = geometry(viewport()->rect(), horizontalScrollBar()->value());
        if (row < g.first_x || row >= g.first_x + g.count_x) {
            follow_end_ = false;
            horizontalScrollBar()->setValue(row - g.count_x / 2);
        }
    } else if (!reveal && pinned_) {
        follow_end_ = true;  // back to following: jump to the newest end once
        updateScrollBar();
    }
    pinned_ = reveal;
    viewport()->update();
}

void HeatmapView::setCellExtent(int pixels) {
    cell_extent_ = std::clamp(pixels, 1, 40);
    updateScrollBar();
    viewport()->update();
}

void HeatmapView::resetPaintStats() {
    max_paint_ms_ = last_paint_ms_ = total_paint_ms_ = 0;
    paint_count_ = 0;
}

void HeatmapView::onImageChanged() {
    updateScrollBar();
    viewport()->update();
}

void HeatmapView::updateScrollBar() {
    QScrollBar* bar = horizontalScrollBar();
    if (!image_.rowsAlongX() || !model()) {
        bar->setRange(0, 0);
        return;
    }
    const int plot_w = std::max(1, viewport()->width() - kLeftMargin - kLegendWidth);
    const int visible = std::max(1, plot_w / cell_extent_);
    const bool follow = follow_end_;
    bar->setPageStep(visible);
    bar->setSingleStep(std::max(1, visible / 20));
    bar->setRange(0, std::max(0, image_.extent().width() - visible));
    if (follow) bar->setValue(bar->maximum());
    follow_end_ = follow;
}

HeatmapView::Geometry HeatmapView::geometry(const QRect& area, int scroll_x) const {
    Geometry g;
    const QSize ext = const_cast<HeatmapImage&>(image_).extent();
    const QRectF plot(area.left() + kLeftMargin, area.top() + kTopMargin,
                      std::max(1, area.width() - kLeftMargin - kLegendWidth),
                      std::max(1, area.height() - kTopMargin - kBottomMargin));
    if (ext.isEmpty()) {
        g.cells = QRectF(plot.topLeft(), QSizeF(0, 0));
        return g;
    }
    g.count_y = ext.height();
    g.cell_h = plot.height() / ext.height();
    // Token streams use fixed-width columns (scrolling) once they no longer fit at that width.
    if (image_.rowsAlongX() && scroll_x >= 0 && ext.width() * cell_extent_ > plot.width()) {
        g.cell_w = cell_extent_;
        g.first_x = std::clamp(scroll_x, 0, std::max(0, ext.width() - 1));
        g.count_x = std::min(ext.width() - g.first_x, static_cast<int>(plot.width() / g.cell_w));
    } else {
        g.cell_w = std::min(plot.width() / ext.width(), image_.rowsAlongX() ? 24.0 : 1e9);
        g.count_x = ext.width();
    }
    g.cells = QRectF(plot.left(), plot.top(), g.count_x * g.cell_w, plot.height());
    return g;
}

void HeatmapView::paintEvent(QPaintEvent*) {
    QElapsedTimer timer;
    timer.start();
    QPainter p(viewport());
    p.fillRect(viewport()->rect(), palette().base());
    paintHeatmap(p, viewport()->rect(), horizontalScrollBar()->value());
    last_paint_ms_ = timer.nsecsElapsed() / 1e6;
    max_paint_ms_ = std::max(max_paint_ms_, last_paint_ms_);
    total_paint_ms_ += last_paint_ms_;
    ++paint_count_;
}

QSize HeatmapView::exportSize() const { return viewport()->size().expandedTo(QSize(640, 320)); }

void HeatmapView::renderTo(QPainter* painter, const QRect& target) {
    painter->fillRect(target, palette().base());
    paintHeatmap(*painter, target, -1);
}

void HeatmapView::paintHeatmap(QPainter& p, const QRect& area, int scroll_x) {
    QAbstractItemModel* m = model();
    const QImage& pixels = image_.image();
    const Geometry g = geometry(area, scroll_x);
    p.setFont(font());
    if (!m || g.count_x == 0 || g.count_y == 0) {
        p.setPen(kAxisText);
        // What to do next, for a first run.
        p.drawText(area.adjusted(12, 0, -12, 0), Qt::AlignCenter | Qt::TextWordWrap,
                   tr("No data yet. Type a prompt in the Prompt dock and press Run (Ctrl+Enter), or click a sample prompt."));
        return;
    }
    // The cells: the visible slice of the image, scaled without smoothing (crisp cells). An SVG
    // of a moderate heatmap gets one rectangle per cell, so it stays sharp at any zoom.
    if (p.paintEngine() && p.paintEngine()->type() == QPaintEngine::SVG && g.count_x * g.count_y <= kMaxVectorCells) {
        p.setPen(Qt::NoPen);
        for (int y = 0; y < g.count_y; ++y) {
            for (int x = 0; x < g.count_x; ++x) {
                p.setBrush(QColor(pixels.pixel(g.first_x + x, y)));
                p.drawRect(QRectF(g.cells.left() + x * g.cell_w, g.cells.top() + y * g.cell_h, g.cell_w, g.cell_h));
            }
        }
    } else {
        p.drawImage(g.cells, pixels, QRectF(g.first_x, 0, g.count_x, g.count_y));
    }

    paintDisabledExperts(p, g);
    const bool rows_x = image_.rowsAlongX();
    const Qt::Orientation x_header = rows_x ? Qt::Vertical : Qt::Horizontal;
    const Qt::Orientation y_header = rows_x ? Qt::Horizontal : Qt::Vertical;
    auto to_model = [rows_x](int x, int y) { return rows_x ? QPoint(x, y) : QPoint(y, x); };  // (row, col)

    // Chosen experts: an outline when the cells are large enough to carry one; below 4 px a solid
    // mark at least 2 px a side, so the picks stay visible at 256 experts × 90 layers.
    const bool outline = g.cell_w >= 4 && g.cell_h >= 4;
    const double mark_w = outline ? g.cell_w : std::max(g.cell_w, 2.0), mark_h = outline ? g.cell_h : std::max(g.cell_h, 2.0);
    if (outline) {
        p.setPen(QPen(kOutline, g.cell_w >= 10 && g.cell_h >= 10 ? 1.6 : 1.0));
        p.setBrush(Qt::NoBrush);
    } else {
        p.setPen(Qt::NoPen);
        p.setBrush(kOutline);
    }
    for (int x = 0; x < g.count_x; ++x) {
        for (int y = 0; y < g.count_y; ++y) {
            const QPoint rc = to_model(g.first_x + x, y);
            if (!image_.chosen(rc.x(), rc.y())) continue;
            const QRectF mark(g.cells.left() + (x + 0.5) * g.cell_w - mark_w / 2,
                              g.cells.top() + (y + 0.5) * g.cell_h - mark_h / 2, mark_w, mark_h);
            p.drawRect(outline ? mark.adjusted(0.5, 0.5, -0.5, -0.5) : mark);
        }
    }
    // Routed | shared expert boundary.
    if (separator_after_ >= 0 && separator_after_ < (rows_x ? g.count_y : g.count_x) - 1) {
        p.setPen(QPen(palette().text().color(), 1.5));
        if (rows_x) {
            const double y = g.cells.top() + (separator_after_ + 1) * g.cell_h;
            p.drawLine(QPointF(g.cells.left(), y), QPointF(g.cells.right(), y));
        } else {
            const double x = g.cells.left() + (separator_after_ + 1) * g.cell_w;
            p.drawLine(QPointF(x, g.cells.top()), QPointF(x, g.cells.bottom()));
        }
    }
    // The selected token (a column) or layer (a row).
    if (highlighted_row_ >= 0) {
        p.setPen(QPen(kHighlight, 2));
        p.setBrush(Qt::NoBrush);
        if (rows_x && highlighted_row_ >= g.first_x && highlighted_row_ < g.first_x + g.count_x) {
            const double x = g.cells.left() + (highlighted_row_ - g.first_x) * g.cell_w;
            p.drawRect(QRectF(x - 1, g.cells.top() - 1, g.cell_w + 2, g.cells.height() + 2));
        } else if (!rows_x && highlighted_row_ < g.count_y) {
            const double y = g.cells.top() + highlighted_row_ * g.cell_h;
            p.drawRect(QRectF(g.cells.left() - 1, y - 1, g.cells.width() + 2, g.cell_h + 2));
        }
    }

    // Axis labels, thinned so they never overlap.
    QFont small = font();
    small.setPointSizeF(font().pointSizeF() * 0.85);
    p.setFont(small);
    p.setPen(kAxisText);
    const QFontMetrics fm(small);
    // Row labels sit at the middle of their row.
    const int y_step = labelStep(g.cell_h, fm.height());
    for (int y : labelledCells(0, g.count_y, y_step, rows_x ? separator_after_ : -1)) {
        const double cy = g.cells.top() + (y + 0.5) * g.cell_h;
        p.drawText(QRectF(area.left(), cy - fm.height() / 2.0, kLeftMargin - 6, fm.height()), Qt::AlignRight | Qt::AlignVCenter,
                   m->headerData(y, y_header).toString());
    }
    const int x_step = labelStep(g.cell_w, rows_x ? fm.horizontalAdvance(QStringLiteral("00000")) : fm.horizontalAdvance(QStringLiteral("E000 ")));
    const double legend_left = area.right() - kLegendWidth + 8;
    for (int x : labelledCells(g.first_x, g.count_x, x_step, rows_x ? -1 : separator_after_)) {
        const double cx = g.cells.left() + (x - g.first_x + 0.5) * g.cell_w;
        const QString label = rows_x ? QString::number(x) : m->headerData(x, x_header).toString();
        if (cx + fm.horizontalAdvance(label) / 2.0 > legend_left) continue;  // keep clear of the legend
        p.drawText(QRectF(cx - 40, g.cells.bottom() + 2, 80, kBottomMargin - 2), Qt::AlignHCenter | Qt::AlignTop, label);
    }
    paintLegend(p, QRect(static_cast<int>(area.right() - kLegendWidth + 10), static_cast<int>(g.cells.top()),
                         kLegendWidth - 10, static_cast<int>(g.cells.height())));
}

void HeatmapView::paintLegend(QPainter& p, const QRect& area) const {
    const ColorScale& scale = image_.scale();
    const QRect bar(area.left(), area.top(), 12, std::max(20, area.height()));
    QLinearGradient gradient(bar.bottomLeft(), bar.topLeft());  // a vector gradient, sharp in SVG too
    for (int i = 0; i <= 10; ++i) gradient.setColorAt(i / 10.0, QColor(ColorScale::rgbAt(i / 10.0)));
    p.fillRect(bar, gradient);
    p.setPen(QColor(0xb0, 0xb0, 0xb0));
    p.drawRect(bar.adjusted(0, 0, -1, -1));
    p.setPen(kAxisText);
    const QFontMetrics fm(p.font());
    for (double value : legendTicks(scale, bar.height() - 1, fm.height())) {
        const int y = bar.bottom() - static_cast<int>(scale.position(value) * (bar.height() - 1));
        p.drawLine(bar.right() + 1, y, bar.right() + 4, y);
        const QString text = value >= 100 ? QString::number(value, 'f', 0) : QString::number(value, 'g', 3);
        p.drawText(QRect(bar.right() + 6, y - fm.height() / 2, area.width() - 18, fm.height()),
                   Qt::AlignLeft | Qt::AlignVCenter, text);
    }
    if (!legend_title_.isEmpty()) {
        // Under the bar, in the x-axis label band.
        p.drawText(QRect(area.left() - 4, bar.bottom() + 2, area.width() + 4, fm.height() + 4), Qt::AlignLeft | Qt::AlignTop,
                   fm.elidedText(legend_title_, Qt::ElideRight, area.width() + 4));
    }
}

QPoint HeatmapView::cellAt(const QPoint& pos) const {
    const Geometry g = geometry(viewport()->rect(), horizontalScrollBar()->value());
    if (!g.cells.contains(pos) || g.count_x == 0) return {-1, -1};
    const int x = g.first_x + std::min(g.count_x - 1, static_cast<int>((pos.x() - g.cells.left()) / g.cell_w));
    const int y = std::min(g.count_y - 1, static_cast<int>((pos.y() - g.cells.top()) / g.cell_h));
    return image_.rowsAlongX() ? QPoint(x, y) : QPoint(y, x);
}

bool HeatmapView::viewportEvent(QEvent* event) {
    if (event->type() == QEvent::ToolTip && model()) {
        auto* help = static_cast<QHelpEvent*>(event);
        const QPoint rc = cellAt(help->pos());
        const QString tip = rc.x() >= 0 ? model()->data(model()->index(rc.x(), rc.y()), Qt::ToolTipRole).toString() : QString();
        if (tip.isEmpty()) {
            QToolTip::hideText();
        } else {
            QToolTip::showText(help->globalPos(), tip, viewport());
        }
        return true;
    }
    return QAbstractScrollArea::viewportEvent(event);
}

void HeatmapView::mouseReleaseEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) return;
    const QPoint rc = cellAt(event->position().toPoint());
    if (rc.x() < 0) return;
    Q_EMIT cellClicked(rc.x(), rc.y());
    // A cell of a routed expert shows that expert in the inspectors.
    if (TraceStore* store = overridesStore()) store->selectExpertCell(model()->index(rc.x(), rc.y()).data(ExpertCellRole));
}

void HeatmapView::wheelEvent(QWheelEvent* event) {
    if (!image_.rowsAlongX()) return QAbstractScrollArea::wheelEvent(event);
    const int delta = event->angleDelta().y() != 0 ? event->angleDelta().y() : event->angleDelta().x();
    if (event->modifiers() & Qt::ControlModifier) {
        setCellExtent(cell_extent_ + (delta > 0 ? 1 : -1));
    } else {
        horizontalScrollBar()->setValue(horizontalScrollBar()->value() - delta / 8);
    }
    event->accept();
}

void HeatmapView::resizeEvent(QResizeEvent* event) {
    QAbstractScrollArea::resizeEvent(event);
    updateScrollBar();
}

void HeatmapView::scrollContentsBy(int, int) { viewport()->update(); }

}  // namespace moe::gui
