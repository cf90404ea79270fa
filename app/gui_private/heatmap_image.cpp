#include "gui_private/heatmap_image.h"

#include <QAbstractItemModel>

#include <algorithm>
#include <memory>

#include "gui_private/routing_models.h"

namespace moe::gui {

HeatmapImage::HeatmapImage(QObject* parent) : QObject(parent) {}

void HeatmapImage::setModel(QAbstractItemModel* model, bool rows_along_x, bool sqrt_scale, double floor_max) {
    if (model_) disconnect(model_, nullptr, this, nullptr);
    model_ = model;
    rows_along_x_ = rows_along_x;
    scale_.sqrt = sqrt_scale;
    floor_max_ = floor_max;
    if (model) {
        connect(model, &QAbstractItemModel::modelReset, this, &HeatmapImage::markAllDirty);
        connect(model, &QAbstractItemModel::layoutChanged, this, &HeatmapImage::markAllDirty);
        connect(model, &QAbstractItemModel::rowsInserted, this,
                [this](const QModelIndex&, int first, int last) { markRows(first, last); });
        connect(model, &QAbstractItemModel::rowsRemoved, this, &HeatmapImage::markAllDirty);
        connect(model, &QAbstractItemModel::columnsInserted, this, &HeatmapImage::markAllDirty);
        connect(model, &QAbstractItemModel::columnsRemoved, this, &HeatmapImage::markAllDirty);
        // A change of every row is a new value kind or measure: the scale starts again from
        // floor_max (shares in 0..1 must not keep the counts' top).
        connect(model, &QAbstractItemModel::dataChanged, this, [this](const QModelIndex& tl, const QModelIndex& br) {
            if (tl.row() == 0 && br.row() == model_->rowCount() - 1) markAllDirty();
            else markRows(tl.row(), br.row());
        });
    }
    markAllDirty();
}

void HeatmapImage::markAllDirty() {
    all_dirty_ = true;
    Q_EMIT changed();
}

void HeatmapImage::markRows(int first, int last) {
    if (!all_dirty_) {
        dirty_first_ = dirty_first_ < 0 ? first : std::min(dirty_first_, first);
        dirty_last_ = std::max(dirty_last_, last);
    }
    Q_EMIT changed();
}

QSize HeatmapImage::extent() const {
    if (!model_) return {};
    const int rows = model_->rowCount(), cols = model_->columnCount();
    return rows_along_x_ ? QSize(rows, cols) : QSize(cols, rows);
}

void HeatmapImage::ensureCapacity() {
    const QSize need = extent();
    if (image_.width() >= need.width() && image_.height() >= need.height()) return;
    // Grow by doubling along the streaming axis so appends stay amortised O(new rows).
    const QSize grown(std::max(need.width(), rows_along_x_ ? image_.width() * 2 : 0),
                      std::max(need.height(), rows_along_x_ ? 0 : image_.height() * 2));
    QImage bigger(grown.expandedTo(QSize(1, 1)), QImage::Format_RGB32);
    bigger.fill(ColorScale::rgbAt(0));
    image_ = bigger;
    all_dirty_ = true;
}

const QImage& HeatmapImage::image() {
    if (!model_) return image_;
    ensureCapacity();
    if (all_dirty_) {
        rebuild();
    } else if (dirty_first_ >= 0) {
        paintRows(dirty_first_, std::min(dirty_last_, model_->rowCount() - 1));
    }
    dirty_first_ = dirty_last_ = -1;
    return image_;
}

void HeatmapImage::rebuild() {
    all_dirty_ = false;
    scale_.max = floor_max_;
    image_.fill(ColorScale::rgbAt(0));
    paintRows(0, model_->rowCount() - 1);
}

std::vector<double> HeatmapImage::readRows(int first, int last, double* max_value) {
    const int cols = model_->columnCount();
    if (cols != columns_) {
        columns_ = cols;
        chosen_.clear();
    }
    const size_t need = static_cast<size_t>(last + 1) * static_cast<size_t>(cols);
    if (chosen_.size() < need) chosen_.resize(need);
    std::vector<double> values(static_cast<size_t>((last - first + 1) * cols));
    std::unique_ptr<bool[]> row_chosen(new bool[static_cast<size_t>(cols)]);
    const auto* bulk = dynamic_cast<const HeatmapRows*>(model_.data());
    for (int r = first; r <= last; ++r) {
        double* row_values = values.data() + static_cast<size_t>((r - first) * cols);
        if (bulk) {
            bulk->readRow(r, row_values, row_chosen.get());
        } else {
            for (int c = 0; c < cols; ++c) {
                const QModelIndex index = model_->index(r, c);
                row_values[c] = model_->data(index, ValueRole).toDouble();
                row_chosen[static_cast<size_t>(c)] = model_->data(index, ChosenRole).toBool();
            }
        }
        for (int c = 0; c < cols; ++c) chosen_[static_cast<size_t>(r) * static_cast<size_t>(cols) + static_cast<size_t>(c)] = row_chosen[static_cast<size_t>(c)];
    }
    if (max_value) *max_value = values.empty() ? 0.0 : *std::max_element(values.begin(), values.end());
    return values;
}

void HeatmapImage::paintRows(int first, int last) {
    const int cols = model_->columnCount();
    if (first > last || cols == 0) return;
    double seen_max = 0;
    std::vector<double> values = readRows(first, last, &seen_max);
    if (seen_max > scale_.max) {
        // The scale grew: earlier rows were coloured against the old top, repaint them all.
        scale_.max = seen_max;
        if (first > 0 || last < model_->rowCount() - 1) {
            first = 0;
            last = model_->rowCount() - 1;
            values = readRows(first, last, nullptr);
        }
    }
    for (int r = first; r <= last; ++r) {
        const double* row_values = values.data() + static_cast<size_t>((r - first) * cols);
        if (rows_along_x_) {
            for (int c = 0; c < cols; ++c) reinterpret_cast<QRgb*>(image_.scanLine(c))[r] = scale_.rgb(row_values[c]);
        } else {
            auto* line = reinterpret_cast<QRgb*>(image_.scanLine(r));
            for (int c = 0; c < cols; ++c) line[c] = scale_.rgb(row_values[c]);
        }
    }
}

}  // namespace moe::gui
