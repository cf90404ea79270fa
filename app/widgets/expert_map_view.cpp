#include "widgets/expert_map_view.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

#include "gui_private/profile_models.h"

namespace moe::gui {

namespace {
constexpr double kMargin = 28;     // room for the axis titles
constexpr double kLegendWidth = 110;
constexpr double kMinRadius = 3, kMaxRadius = 13;

double number(const ExpertMapModel& m, int row, int column) { return m.data(m.index(row, column), ValueRole).toDouble(); }
}  // namespace

ExpertMapView::ExpertMapView(ExpertMapModel* model, QWidget* parent) : QWidget(parent), model_(model) {
    setMinimumSize(260, 200);
    setMouseTracking(false);
    const auto repaint = [this] { update(); };
    connect(model_, &QAbstractItemModel::modelReset, this, repaint);
    connect(model_, &QAbstractItemModel::dataChanged, this, repaint);
}

void ExpertMapView::setSelectedExpert(int expert) {
    selected_ = expert;
    update();
}

QColor ExpertMapView::domainColor(int domain) {
    // Tableau-like categories: distinct in colour and in lightness.
    static const QColor kColors[] = {QColor(0x1f, 0x77, 0xb4), QColor(0xd6, 0x27, 0x28), QColor(0x2c, 0xa0, 0x2c),
                                     QColor(0xff, 0x7f, 0x0e), QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b),
                                     QColor(0xe3, 0x77, 0xc2), QColor(0x17, 0xbe, 0xcf)};
    if (domain < 0) return QColor(0x99, 0x99, 0x99);
    return kColors[domain % static_cast<int>(std::size(kColors))];
}

QRectF ExpertMapView::plotArea() const {
    return QRectF(kMargin + kMaxRadius, kMaxRadius + 4, width() - 2 * kMargin - kLegendWidth - 2 * kMaxRadius,
                  height() - kMargin - 2 * kMaxRadius - 4);
}

QPointF ExpertMapView::pointOf(int expert) const {
    double min_x = 0, max_x = 0, min_y = 0, max_y = 0;
    for (int e = 0; e < model_->rowCount(); ++e) {
        const double x = number(*model_, e, ExpertMapModel::XColumn), y = number(*model_, e, ExpertMapModel::YColumn);
        min_x = e == 0 ? x : std::min(min_x, x);
        max_x = e == 0 ? x : std::max(max_x, x);
        min_y = e == 0 ? y : std::min(min_y, y);
        max_y = e == 0 ? y : std::max(max_y, y);
    }
    const QRectF area = plotArea();
    const auto along = [](double v, double lo, double hi) { return hi > lo ? (v - lo) / (hi - lo) : 0.5; };
    const double x = number(*model_, expert, ExpertMapModel::XColumn), y = number(*model_, expert, ExpertMapModel::YColumn);
    return {area.left() + along(x, min_x, max_x) * area.width(), area.bottom() - along(y, min_y, max_y) * area.height()};
}

double ExpertMapView::radiusOf(int expert) const {
    double max_load = 0;
    for (int e = 0; e < model_->rowCount(); ++e) max_load = std::max(max_load, number(*model_, e, ExpertMapModel::LoadColumn));
    const double load = number(*model_, expert, ExpertMapModel::LoadColumn);
    // Area grows with load.
    return max_load > 0 ? kMinRadius + (kMaxRadius - kMinRadius) * std::sqrt(load / max_load) : kMinRadius;
}

int ExpertMapView::expertAt(const QPointF& pos) const {
    int best = -1;
    double best_distance = 0;
    for (int e = 0; e < model_->rowCount(); ++e) {
        const double distance = QLineF(pos, pointOf(e)).length();
        if (distance <= radiusOf(e) + 3 && (best < 0 || distance < best_distance)) {
            best = e;
            best_distance = distance;
        }
    }
    return best;
}

void ExpertMapView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), Qt::white);
    const QRectF area = plotArea();
    if (model_->rowCount() == 0 || area.width() <= 0 || area.height() <= 0) {
        p.setPen(QColor(0x66, 0x66, 0x66));
        p.drawText(rect(), Qt::AlignCenter, tr("No corpus profile"));
        return;
    }
    const auto* map = model_->map();
    p.setPen(QPen(QColor(0xcc, 0xcc, 0xcc), 1));
    p.drawRect(area.adjusted(-kMaxRadius, -kMaxRadius, kMaxRadius, kMaxRadius));
    p.setPen(QColor(0x44, 0x44, 0x44));
    const QRectF x_title(area.left(), area.bottom() + kMaxRadius + 2, area.width(), kMargin - 6);
    p.drawText(x_title, Qt::AlignCenter, tr("PC 1 (%1% of the variance)").arg(100.0 * map->explained[0], 0, 'f', 0));
    p.save();
    p.translate(area.left() - kMaxRadius - 6, area.center().y());
    p.rotate(-90);
    p.drawText(QRectF(-area.height() / 2, -kMargin + 6, area.height(), kMargin - 6), Qt::AlignCenter,
               tr("PC 2 (%1%)").arg(100.0 * map->explained[1], 0, 'f', 0));
    p.restore();

    // Big points first, so small ones stay clickable on top.
    std::vector<int> order(static_cast<size_t>(model_->rowCount()));
    for (size_t e = 0; e < order.size(); ++e) order[e] = static_cast<int>(e);
    std::stable_sort(order.begin(), order.end(), [this](int a, int b) { return radiusOf(a) > radiusOf(b); });
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.8);
    p.setFont(small);
    for (const int e : order) {
        const QPointF at = pointOf(e);
        const double r = radiusOf(e);
        QColor fill = domainColor(model_->index(e, 0).data(ExpertMapModel::DomainIndexRole).toInt());
        fill.setAlpha(200);
        p.setPen(QPen(e == selected_ ? QColor(0xd6, 0x27, 0x28) : QColor(0x33, 0x33, 0x33), e == selected_ ? 2.5 : 0.8));
        p.setBrush(fill);
        p.drawEllipse(at, r, r);
        p.setPen(QColor(0x22, 0x22, 0x22));
        p.drawText(QRectF(at.x() + r + 1, at.y() - 8, 40, 16), Qt::AlignLeft | Qt::AlignVCenter, QString::number(e));
    }

    const QStringList domains = model_->domainNames();
    p.setFont(font());
    double y = area.top();
    const double x = width() - kLegendWidth;
    for (int d = 0; d < domains.size(); ++d, y += 18) {
        p.setPen(Qt::NoPen);
        p.setBrush(domainColor(d));
        p.drawEllipse(QPointF(x + 6, y + 8), 5, 5);
        p.setPen(QColor(0x22, 0x22, 0x22));
        p.drawText(QRectF(x + 16, y, kLegendWidth - 18, 16), Qt::AlignLeft | Qt::AlignVCenter, domains[d]);
    }
    p.setPen(QColor(0x66, 0x66, 0x66));
    p.drawText(QRectF(x, y + 6, kLegendWidth - 4, 48), Qt::AlignLeft | Qt::TextWordWrap, tr("size: load"));
}

void ExpertMapView::mouseReleaseEvent(QMouseEvent* event) {
    const int expert = expertAt(event->position());
    if (expert >= 0) Q_EMIT expertClicked(expert);
}

bool ExpertMapView::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int e = expertAt(help->pos());
        if (e < 0) {
            QToolTip::hideText();
        } else {
            QToolTip::showText(help->globalPos(),
                               tr("E%1: load %2, dominant domain %3; click to inspect")
                                   .arg(e)
                                   .arg(model_->index(e, ExpertMapModel::LoadColumn).data().toString(),
                                        model_->index(e, ExpertMapModel::DomainColumn).data().toString()),
                               this);
        }
        return true;
    }
    return QWidget::event(event);
}

}  // namespace moe::gui
