// A QImage with one pixel per cell of a table model (ValueRole), kept up to date incrementally:
// appended rows are painted alone, so a streaming 4096-token heatmap never repaints history.
// Lives in the widget-free library so tests and the benchmark can drive it directly.
#pragma once

#include <QAbstractItemModel>
#include <QImage>
#include <QObject>
#include <QPointer>

#include <vector>

#include "gui_private/color_scale.h"

namespace moe::gui {

class HeatmapImage : public QObject {
    Q_OBJECT
public:
    explicit HeatmapImage(QObject* parent = nullptr);

    // rows_along_x: model rows become image columns (tokens left to right).
    // floor_max: the scale's top is max(floor_max, largest value seen).
    void setModel(QAbstractItemModel* model, bool rows_along_x, bool sqrt_scale, double floor_max);
    QAbstractItemModel* model() const { return model_; }
    bool rowsAlongX() const { return rows_along_x_; }

    // Brings the pixels up to date and returns them; only extent() of the image is meaningful.
    const QImage& image();
    QSize extent() const;  // (cells along x, cells along y)
    const ColorScale& scale() const { return scale_; }
    // Whether the cell (model row, column) is a chosen expert; valid after image().
    bool chosen(int row, int column) const {
        const size_t i = static_cast<size_t>(row) * static_cast<size_t>(columns_) + static_cast<size_t>(column);
        return i < chosen_.size() && chosen_[i];
    }

Q_SIGNALS:
    void changed();

private:
    void markAllDirty();
    void markRows(int first, int last);
    void rebuild();
    void paintRows(int first, int last);
    // Reads rows [first, last] into values (and the chosen mask); returns their largest value.
    std::vector<double> readRows(int first, int last, double* max_value);
    void ensureCapacity();

    QPointer<QAbstractItemModel> model_;
    bool rows_along_x_ = false;
    double floor_max_ = 1.0;
    ColorScale scale_;
    QImage image_;
    int columns_ = 0;
    std::vector<bool> chosen_;  // (rows, columns) of the model
    bool all_dirty_ = true;
    int dirty_first_ = -1, dirty_last_ = -1;  // rows to repaint when not all dirty
};

}  // namespace moe::gui
