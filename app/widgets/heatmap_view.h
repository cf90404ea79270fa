// A heatmap of a table model painted from a HeatmapImage: axis labels, a colour legend,
// tooltips with the exact values, outlines on chosen experts, a highlighted row (the
// selected token or layer) and, for token streams, horizontal scrolling that follows the newest.
#pragma once

#include <QAbstractScrollArea>
#include <QMetaObject>

#include "gui_private/heatmap_image.h"

namespace moe::gui {

class TraceStore;

class HeatmapView : public QAbstractScrollArea {
    Q_OBJECT
public:
    explicit HeatmapView(QWidget* parent = nullptr);

    // rows_along_x: one column of pixels per model row, scrolled horizontally (token streams);
    // otherwise the whole table is fitted into the view.
    void setModel(QAbstractItemModel* model, bool rows_along_x, bool sqrt_scale, double floor_max);
    QAbstractItemModel* model() const { return image_.model(); }
    HeatmapImage& heatmapImage() { return image_; }

    void setLegendTitle(const QString& title);
    void setSeparatorAfterColumn(int column);  // a line before the shared-expert columns
    // Model row, -1 for none; `reveal` scrolls it into view (and stops following the newest).
    void setHighlightedRow(int row, bool reveal = false);
    void setCellExtent(int pixels);            // width of a model row when rows_along_x

    // Renders the whole heatmap (not only the scrolled part) at its natural size, for export.
    void renderTo(QPainter* painter, const QRect& target);
    QSize exportSize() const;

    // Paint timing, for the benchmark.
    double lastPaintMs() const { return last_paint_ms_; }
    double maxPaintMs() const { return max_paint_ms_; }
    double meanPaintMs() const { return paint_count_ > 0 ? total_paint_ms_ / paint_count_ : 0.0; }
    int paintCount() const { return paint_count_; }
    void resetPaintStats();

    QPoint cellAt(const QPoint& pos) const;  // viewport position to (model row, model column), (-1,-1) outside

Q_SIGNALS:
    void cellClicked(int row, int column);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    bool viewportEvent(QEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void scrollContentsBy(int dx, int dy) override;

private:
    struct Geometry {
        QRectF cells;        // where the visible cells are drawn, in viewport coordinates
        double cell_w = 1, cell_h = 1;
        int first_x = 0;     // first visible cell along x
        int count_x = 0;     // visible cells along x
        int count_y = 0;
    };
    Geometry geometry(const QRect& area, int scroll_x) const;
    // scroll_x < 0: fit every cell into `area` (export).
    void paintHeatmap(QPainter& p, const QRect& area, int scroll_x);
    void paintLegend(QPainter& p, const QRect& area) const;
    void updateScrollBar();
    void onImageChanged();
    // Routing overrides: the store behind a model of expert cells (ExpertCellRole), or null.
    TraceStore* overridesStore() const;
    void paintDisabledExperts(QPainter& p, const Geometry& g);

    HeatmapImage image_;
    QMetaObject::Connection overrides_connection_;
    QString legend_title_;
    int separator_after_ = -1;
    int highlighted_row_ = -1;
    int cell_extent_ = 5;
    bool follow_end_ = true;  // keep the newest end in view as data arrives
    bool pinned_ = false;     // the highlighted row was revealed on request
    double last_paint_ms_ = 0, max_paint_ms_ = 0, total_paint_ms_ = 0;
    int paint_count_ = 0;
};

}  // namespace moe::gui
