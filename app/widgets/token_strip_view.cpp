#include "widgets/token_strip_view.h"

#include <QAbstractItemModel>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QToolTip>

#include <algorithm>
#include <cmath>

#include "gui_private/color_scale.h"
#include "gui_private/routing_models.h"

namespace moe::gui {

namespace {
constexpr int kPad = 3;      // inside a chip
constexpr int kGap = 2;      // between chips
constexpr int kMargin = 6;   // around the strip
constexpr int kMaxChipWidth = 220;
}  // namespace

TokenStripView::TokenStripView(QWidget* parent) : QAbstractScrollArea(parent) {
    setMouseTracking(true);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    viewport()->setBackgroundRole(QPalette::Base);
    setMinimumHeight(60);
    connect(verticalScrollBar(), &QScrollBar::valueChanged, this,
            [this](int value) { follow_end_ = value >= verticalScrollBar()->maximum(); });
}

void TokenStripView::setModel(QAbstractItemModel* model) {
    if (model_) disconnect(model_, nullptr, this, nullptr);
    model_ = model;
    connect(model, &QAbstractItemModel::modelReset, this, &TokenStripView::relayout);
    connect(model, &QAbstractItemModel::rowsInserted, this, [this](const QModelIndex&, int first, int last) {
        layoutRows(first, last);
        updateScrollBar();
        viewport()->update();
    });
    // Colours follow the selected layer (TopExpertColumn changes).
    connect(model, &QAbstractItemModel::dataChanged, viewport(), qOverload<>(&QWidget::update));
    relayout();
}

void TokenStripView::setSelectedToken(int row, bool reveal) {
    selected_ = row;
    QScrollBar* bar = verticalScrollBar();
    if (reveal && row >= 0 && row < rects_.size()) {
        const QRect r = rects_[row];
        if (r.top() < bar->value() || r.bottom() > bar->value() + viewport()->height()) {
            follow_end_ = false;
            bar->setValue(r.center().y() - viewport()->height() / 2);
        }
    } else if (!reveal && pinned_) {
        follow_end_ = true;  // back to following: jump to the newest end once
        updateScrollBar();
    }
    pinned_ = reveal;
    viewport()->update();
}


void TokenStripView::relayout() {
    rects_.clear();
    cursor_ = QPoint(kMargin, kMargin);
    layout_width_ = viewport()->width();
    if (model_) layoutRows(0, model_->rowCount() - 1);
    updateScrollBar();
    viewport()->update();
}

void TokenStripView::layoutRows(int first, int last) {
    const QFontMetrics fm(font());
    const int chip_h = fm.height() + 2 * kPad;
    const int right = std::max(layout_width_ - kMargin, kMargin + 40);
    for (int row = first; row <= last; ++row) {
        const QString text = model_->data(model_->index(row, TokenListModel::TextColumn)).toString();
        // Fractional advances round up, plus a pixel, so a chip never elides its own text.
        const int w = std::min(kMaxChipWidth, static_cast<int>(std::ceil(QFontMetricsF(font()).horizontalAdvance(text))) + 1 + 2 * kPad);
        if (cursor_.x() + w > right && cursor_.x() > kMargin) cursor_ = QPoint(kMargin, cursor_.y() + chip_h + kGap);
        rects_.append(QRect(cursor_, QSize(w, chip_h)));
        cursor_.rx() += w + kGap;
    }
}

void TokenStripView::updateScrollBar() {
    const int content_h = rects_.isEmpty() ? 0 : rects_.back().bottom() + kMargin;
    QScrollBar* bar = verticalScrollBar();
    const bool follow = follow_end_;
    bar->setPageStep(viewport()->height());
    bar->setSingleStep(QFontMetrics(font()).height());
    bar->setRange(0, std::max(0, content_h - viewport()->height()));
    if (follow) bar->setValue(bar->maximum());
    follow_end_ = follow;
}

void TokenStripView::paintEvent(QPaintEvent*) {
    QPainter p(viewport());
    paintChips(p, verticalScrollBar()->value(), viewport()->height(), verticalScrollBar()->value());
}

void TokenStripView::paintChips(QPainter& p, int top, int height, int offset_y) {
    if (!model_ || rects_.isEmpty()) {
        p.setPen(palette().placeholderText().color());
        p.drawText(QRect(0, 0, viewport()->width(), height), Qt::AlignCenter,
                   tr("Prompt and output tokens appear here, coloured by their top expert. Try a sample prompt in the Prompt dock."));
        return;
    }
    const QFontMetrics fm(font());
    // Rows are laid out top to bottom, so binary-search the first visible chip.
    const auto first = std::lower_bound(rects_.begin(), rects_.end(), top,
                                        [](const QRect& r, int y) { return r.bottom() < y; });
    for (auto it = first; it != rects_.end() && it->top() < top + height; ++it) {
        const int row = static_cast<int>(it - rects_.begin());
        const QModelIndex index = model_->index(row, TokenListModel::TextColumn);
        const QRect r = it->translated(0, -offset_y);
        const bool prompt = model_->data(index, IsPromptRole).toBool();
        p.setPen(prompt ? QPen(QColor(0x9a, 0xa0, 0xa6), 1, Qt::DashLine) : QPen(QColor(0x8a, 0x90, 0x96)));
        p.setBrush(expertColor(model_->data(index, TopExpertRole).toInt()));
        p.drawRoundedRect(QRectF(r).adjusted(0.5, 0.5, -0.5, -0.5), 3, 3);
        if (row == hovered_ && row != selected_) {
            p.setPen(QPen(QColor(0x30, 0x36, 0x3c), 1.5));
            p.setBrush(Qt::NoBrush);
            p.drawRoundedRect(QRectF(r).adjusted(0.5, 0.5, -0.5, -0.5), 3, 3);
        }
        if (row == selected_) {
            p.setPen(QPen(QColor(0xd9, 0x2b, 0x2b), 2));
            p.setBrush(Qt::NoBrush);
            p.drawRoundedRect(QRectF(r).adjusted(-1, -1, 1, 1), 3, 3);
        }
        p.setPen(QColor(0x20, 0x24, 0x28));
        p.drawText(r.adjusted(kPad, 0, -kPad, 0), Qt::AlignVCenter | Qt::AlignLeft,
                   fm.elidedText(model_->data(index).toString(), Qt::ElideRight, r.width() - 2 * kPad));
    }
}

QSize TokenStripView::exportSize() const {
    const int content_h = rects_.isEmpty() ? 100 : rects_.back().bottom() + kMargin;
    return QSize(viewport()->width(), std::min(content_h, 4000));
}

void TokenStripView::renderTo(QPainter* painter, const QRect& target) {
    painter->fillRect(target, palette().base());
    painter->save();
    painter->translate(target.topLeft());
    painter->setFont(font());
    paintChips(*painter, 0, target.height(), 0);
    painter->restore();
}

int TokenStripView::rowAt(const QPoint& content_pos) const {
    auto it = std::lower_bound(rects_.begin(), rects_.end(), content_pos.y(),
                               [](const QRect& r, int y) { return r.bottom() < y; });
    for (; it != rects_.end() && it->top() <= content_pos.y(); ++it) {
        if (it->contains(content_pos)) return static_cast<int>(it - rects_.begin());
    }
    return -1;
}

bool TokenStripView::viewportEvent(QEvent* event) {
    if (event->type() == QEvent::ToolTip && model_) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int row = rowAt(help->pos() + QPoint(0, verticalScrollBar()->value()));
        if (row >= 0) {
            QToolTip::showText(help->globalPos(), model_->data(model_->index(row, 0), Qt::ToolTipRole).toString(),
                               viewport());
        } else {
            QToolTip::hideText();
        }
        return true;
    }
    return QAbstractScrollArea::viewportEvent(event);
}

void TokenStripView::mouseReleaseEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) return;
    const int row = rowAt(event->position().toPoint() + QPoint(0, verticalScrollBar()->value()));
    if (row >= 0) Q_EMIT tokenClicked(row);
}

void TokenStripView::mouseMoveEvent(QMouseEvent* event) {
    const int row = rowAt(event->position().toPoint() + QPoint(0, verticalScrollBar()->value()));
    if (row != hovered_) {
        hovered_ = row;
        viewport()->update();
    }
}

void TokenStripView::leaveEvent(QEvent* event) {
    QAbstractScrollArea::leaveEvent(event);
    hovered_ = -1;
    viewport()->update();
}

void TokenStripView::resizeEvent(QResizeEvent* event) {
    QAbstractScrollArea::resizeEvent(event);
    if (viewport()->width() != layout_width_) {
        relayout();
    } else {
        updateScrollBar();
    }
}

void TokenStripView::scrollContentsBy(int, int) { viewport()->update(); }

}  // namespace moe::gui
