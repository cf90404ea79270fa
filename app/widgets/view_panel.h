// A titled frame around one view, with room for view options and an export button
// (PNG or SVG of exactly what the view shows, written atomically).
#pragma once

#include <QFrame>

#include <functional>

class QHBoxLayout;
class QLabel;
class QToolButton;

namespace moe::gui {

// How to draw a view into an export: its natural size and a render function.
struct ViewRenderer {
    std::function<QSize()> size;
    std::function<void(QPainter*, const QRect&)> render;
};
ViewRenderer rendererFor(QWidget* view);  // heatmaps, token strip and charts

// Writes `renderer`'s picture to `path` (.svg via QSvgGenerator, anything else PNG) atomically,
// under a header line with `title` and `caption` (what is selected) when they are not empty.
// Returns an empty string or the error to show.
QString exportView(const ViewRenderer& renderer, const QString& path, const QString& title,
                   const QString& caption = {});

class ViewPanel : public QFrame {
    Q_OBJECT
public:
    ViewPanel(const QString& title, QWidget* view, QWidget* parent = nullptr);
    void setTitle(const QString& title);
    QString title() const;
    // What the view shows, in one sentence: the title's tooltip.
    void setDescription(const QString& description);
    QString description() const;
    void setSubtitle(const QString& subtitle);
    QString subtitle() const { return subtitle_; }
    void addHeaderWidget(QWidget* widget);
    QWidget* view() const { return view_; }
    // Exports the view; returns an empty string or the error.
    QString exportTo(const QString& path) const;

Q_SIGNALS:
    void exportFailed(const QString& message);
    void exported(const QString& path);

protected:
    void changeEvent(QEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void chooseExportFile();
    void retranslate();
    void elideSubtitle();  // a subtitle too long for the header ends in "…", the whole in its tooltip

    QString title_;
    QString subtitle_;
    QLabel* title_label_;
    QLabel* subtitle_label_;
    QHBoxLayout* header_;
    QToolButton* export_button_;
    QWidget* view_;
};

}  // namespace moe::gui
