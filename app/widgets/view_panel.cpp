#include "widgets/view_panel.h"

#include <QBuffer>
#include <QChartView>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QPainter>
#include <QRegularExpression>
#include <QSvgGenerator>
#include <QToolButton>
#include <QVBoxLayout>

#include "gui_private/exports.h"
#include "widgets/heatmap_view.h"
#include "widgets/token_strip_view.h"

namespace moe::gui {

ViewRenderer rendererFor(QWidget* view) {
    if (auto* heatmap = qobject_cast<HeatmapView*>(view)) {
        return {[heatmap] { return heatmap->exportSize(); },
                [heatmap](QPainter* p, const QRect& r) { heatmap->renderTo(p, r); }};
    }
    if (auto* strip = qobject_cast<TokenStripView*>(view)) {
        return {[strip] { return strip->exportSize(); }, [strip](QPainter* p, const QRect& r) { strip->renderTo(p, r); }};
    }
    if (auto* chart = qobject_cast<QChartView*>(view)) {
        return {[chart] { return chart->size(); },
                [chart](QPainter* p, const QRect& r) { chart->render(p, r, chart->viewport()->rect()); }};
    }
    return {[view] { return view->size(); },
            [view](QPainter* p, const QRect& r) {
                p->save();
                p->translate(r.topLeft());
                view->render(p, QPoint(), QRegion(), QWidget::DrawChildren);
                p->restore();
            }};
}

QString exportView(const ViewRenderer& renderer, const QString& path, const QString& title) {
    const QSize size = renderer.size().expandedTo(QSize(16, 16));
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    if (path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive)) {
        QSvgGenerator svg;
        svg.setOutputDevice(&buffer);
        svg.setSize(size);
        svg.setViewBox(QRect(QPoint(), size));
        svg.setTitle(title);
        svg.setDescription(QStringLiteral("Exported from MoEScope"));
        QPainter p(&svg);
        renderer.render(&p, QRect(QPoint(), size));
    } else {
        QImage image(size * 2, QImage::Format_ARGB32_Premultiplied);
        image.setDevicePixelRatio(2);  // crisp in documents
        image.fill(Qt::white);
        {
            QPainter p(&image);
            p.setRenderHint(QPainter::Antialiasing);
            renderer.render(&p, QRect(QPoint(), size));
        }
        if (!image.save(&buffer, "PNG")) return QObject::tr("Could not encode the PNG image.");
    }
    return writeFileAtomically(path, buffer.data());
}

ViewPanel::ViewPanel(const QString& title, QWidget* view, QWidget* parent)
    : QFrame(parent), title_label_(new QLabel), subtitle_label_(new QLabel), header_(new QHBoxLayout), view_(view) {
    setFrameShape(QFrame::StyledPanel);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 4, 6, 6);
    layout->setSpacing(4);
    QFont bold = title_label_->font();
    bold.setBold(true);
    title_label_->setFont(bold);
    subtitle_label_->setStyleSheet(QStringLiteral("color: palette(mid);"));
    subtitle_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // A long subtitle is clipped rather than widening the window.
    subtitle_label_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    header_->setSpacing(8);
    header_->addWidget(title_label_);
    header_->addWidget(subtitle_label_, 1);
    auto* export_button = new QToolButton;
    export_button->setText(tr("Export\u2026"));
    export_button->setToolTip(tr("Save this view as PNG or SVG"));
    export_button->setAutoRaise(true);
    connect(export_button, &QToolButton::clicked, this, &ViewPanel::chooseExportFile);
    header_->addWidget(export_button);
    layout->addLayout(header_);
    layout->addWidget(view, 1);
    setTitle(title);
}

void ViewPanel::setTitle(const QString& title) {
    title_ = title;
    title_label_->setText(title);
}

QString ViewPanel::title() const { return title_; }

void ViewPanel::setSubtitle(const QString& subtitle) { subtitle_label_->setText(subtitle); }

void ViewPanel::addHeaderWidget(QWidget* widget) { header_->insertWidget(header_->count() - 1, widget); }

QString ViewPanel::exportTo(const QString& path) const { return exportView(rendererFor(view_), path, title_); }

void ViewPanel::chooseExportFile() {
    QString stem = title_.toLower();
    stem.replace(QRegularExpression(QStringLiteral("[^a-z0-9]+")), QStringLiteral("-"));
    const QString path = QFileDialog::getSaveFileName(this, tr("Export %1").arg(title_), stem + QStringLiteral(".png"),
                                                      tr("PNG image (*.png);;SVG drawing (*.svg)"));
    if (path.isEmpty()) return;
    const QString error = exportTo(path);
    if (!error.isEmpty()) Q_EMIT exportFailed(error);
}

}  // namespace moe::gui
