// The expert map as a scatter plot: every routed expert of the selected layer placed by
// ExpertMapModel's two principal components, coloured by its dominant domain and sized by its
// load; the selected expert is ringed. Clicking a point picks that expert.
#pragma once

#include <QWidget>

namespace moe::gui {

class ExpertMapModel;

class ExpertMapView : public QWidget {
    Q_OBJECT
public:
    explicit ExpertMapView(ExpertMapModel* model, QWidget* parent = nullptr);
    void setSelectedExpert(int expert);
    // Where expert `expert`'s point is drawn in this widget (for tests and tooltips).
    QPointF pointOf(int expert) const;
    static QColor domainColor(int domain);  // -1: grey

Q_SIGNALS:
    void expertClicked(int expert);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    bool event(QEvent* event) override;

private:
    QRectF plotArea() const;
    double radiusOf(int expert) const;
    int expertAt(const QPointF& pos) const;  // -1 when no point is there

    ExpertMapModel* model_;
    int selected_ = -1;
};

}  // namespace moe::gui
