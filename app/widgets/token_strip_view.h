// The prompt and output as a flowing strip of token chips, each filled with the colour of its
// top expert in the selected layer. Hover shows the token's routing; a click selects the token
// in every view. Layout is cached and extended incrementally as tokens stream in.
#pragma once

#include <QAbstractScrollArea>
#include <QPointer>
#include <QVector>

class QAbstractItemModel;

namespace moe::gui {

class TokenStripView : public QAbstractScrollArea {
    Q_OBJECT
public:
    explicit TokenStripView(QWidget* parent = nullptr);
    // A TokenListModel (TextColumn, TopExpertRole, IsPromptRole, ToolTipRole).
    void setModel(QAbstractItemModel* model);
    // `reveal` scrolls the token into view (and stops following the newest).
    void setSelectedToken(int row, bool reveal = false);
    int selectedToken() const { return selected_; }

    void renderTo(QPainter* painter, const QRect& target);
    QSize exportSize() const;

Q_SIGNALS:
    void tokenClicked(int row);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    bool viewportEvent(QEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;
    void scrollContentsBy(int dx, int dy) override;

private:
    void relayout();
    void layoutRows(int first, int last);
    void updateScrollBar();
    void paintChips(QPainter& p, int top, int height, int offset_y);
    int rowAt(const QPoint& content_pos) const;

    QPointer<QAbstractItemModel> model_;
    QVector<QRect> rects_;  // per token, content coordinates
    QPoint cursor_;         // where the next chip goes
    int layout_width_ = 0;
    int selected_ = -1;
    int hovered_ = -1;
    bool follow_end_ = true;  // keep the newest end in view as data arrives
    bool pinned_ = false;     // the highlighted row was revealed on request
};

}  // namespace moe::gui
