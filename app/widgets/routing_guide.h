// Help → How MoE routing works: a short illustrated page on the router, top-k, shared experts,
// gating, load balance and specialisation, with the loaded model's own numbers. Every paragraph
// links to the view it describes; a click on the link shows that view.
#pragma once

#include <QDialog>

#include "models/model_info.h"

class QAbstractButton;
class QTextBrowser;

namespace moe::gui {

// One view the guide explains: its English title (what MainWindow::showPanel finds) and its
// one-sentence description, both translated when shown.
struct GuideView {
    QString title;
    QString translated_title;
    QString description;
};

class RoutingGuide : public QDialog {
    Q_OBJECT
public:
    explicit RoutingGuide(QWidget* parent = nullptr);
    void setModel(const moe::ModelInfo& info);
    void setViews(const QList<GuideView>& views);
    QString html() const;  // the page as shown, for tests

Q_SIGNALS:
    void viewRequested(const QString& title);  // the English panel title

protected:
    void changeEvent(QEvent* event) override;

private:
    void rebuild();
    QString viewLink(const QString& title) const;

    QTextBrowser* browser_;
    QAbstractButton* close_button_;
    moe::ModelInfo model_;
    QList<GuideView> views_;
};

// The guide's figure: a token, the router's scores over the experts, the top-k chosen ones and
// a shared expert, drawn at `width` pixels.
QImage drawRoutingFigure(int width, int n_expert, int top_k, bool shared);

}  // namespace moe::gui
