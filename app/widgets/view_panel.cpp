#include "widgets/view_panel.h"

#include <QBuffer>
#include <QEvent>
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

namespace {
// The header line of an exported view: the title in bold, then what is selected.
constexpr int kExportHeader = 26;

void paintExportHeader(QPainter& p, const QRect& band, const QString& title, const QString& caption) {
    QFont font = p.font();
    font.setBold(true);
    p.setFont(font);
    p.setPen(QColor(0x22, 0x22, 0x22));
    const QRect text = band.adjusted(6, 0, -6, 0);
    p.drawText(text, Qt::AlignLeft | Qt::AlignVCenter, title);
    const int used = QFontMetrics(font).horizontalAdvance(title) + 12;
    font.setBold(false);
    p.setFont(font);
    p.setPen(QColor(0x55, 0x5b, 0x66));
    p.drawText(text.adjusted(used, 0, 0, 0), Qt::AlignLeft | Qt::AlignVCenter,
               QFontMetrics(font).elidedText(caption, Qt::ElideRight, text.width() - used));
}
}  // namespace

QString exportView(const ViewRenderer& renderer, const QString& path, const QString& title, const QString& caption) {
    const QSize view_size = renderer.size().expandedTo(QSize(16, 16));
    const int header = title.isEmpty() && caption.isEmpty() ? 0 : kExportHeader;
    const QSize size(view_size.width(), view_size.height() + header);
    auto draw = [&](QPainter& p) {
        if (header > 0) paintExportHeader(p, QRect(0, 0, size.width(), header), title, caption);
        renderer.render(&p, QRect(QPoint(0, header), view_size));
    };
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    if (path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive)) {
        QSvgGenerator svg;
        svg.setOutputDevice(&buffer);
        svg.setSize(size);
        svg.setViewBox(QRect(QPoint(), size));
        svg.setTitle(title);
        svg.setDescription(caption.isEmpty() ? QStringLiteral("Exported from MoEScope") : caption);
        QPainter p(&svg);
        draw(p);
    } else {
        QImage image(size * 2, QImage::Format_ARGB32_Premultiplied);
        image.setDevicePixelRatio(2);  // crisp in documents
        image.fill(Qt::white);
        {
            QPainter p(&image);
            p.setRenderHint(QPainter::Antialiasing);
            draw(p);
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
    // A long subtitle is elided rather than widening the window.
    subtitle_label_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    subtitle_label_->installEventFilter(this);
    header_->setSpacing(8);
    header_->addWidget(title_label_);
    header_->addWidget(subtitle_label_, 1);
    export_button_ = new QToolButton;
    export_button_->setAutoRaise(true);
    connect(export_button_, &QToolButton::clicked, this, &ViewPanel::chooseExportFile);
    header_->addWidget(export_button_);
    retranslate();
    layout->addLayout(header_);
    layout->addWidget(view, 1);
    setTitle(title);
}

void ViewPanel::setTitle(const QString& title) {
    title_ = title;
    title_label_->setText(title);
}

QString ViewPanel::title() const { return title_; }

void ViewPanel::setDescription(const QString& description) { title_label_->setToolTip(description); }

QString ViewPanel::description() const { return title_label_->toolTip(); }

void ViewPanel::retranslate() {
    export_button_->setText(tr("Export…"));
    export_button_->setToolTip(tr("Save this view as PNG or SVG"));
}

void ViewPanel::changeEvent(QEvent* event) {
    QFrame::changeEvent(event);
    if (event->type() == QEvent::LanguageChange) retranslate();
}

void ViewPanel::setSubtitle(const QString& subtitle) {
    subtitle_ = subtitle;
    elideSubtitle();
}

void ViewPanel::elideSubtitle() {
    const QString shown = subtitle_label_->fontMetrics().elidedText(subtitle_, Qt::ElideRight, subtitle_label_->width());
    subtitle_label_->setText(shown);
    subtitle_label_->setToolTip(shown == subtitle_ ? QString() : subtitle_);
}

bool ViewPanel::eventFilter(QObject* watched, QEvent* event) {
    if (watched == subtitle_label_ && event->type() == QEvent::Resize) elideSubtitle();
    return QFrame::eventFilter(watched, event);
}

void ViewPanel::addHeaderWidget(QWidget* widget) { header_->insertWidget(header_->count() - 1, widget); }

QString ViewPanel::exportTo(const QString& path) const { return exportView(rendererFor(view_), path, title_, subtitle_); }

void ViewPanel::chooseExportFile() {
    QString stem = title_.toLower();
    stem.replace(QRegularExpression(QStringLiteral("[^a-z0-9]+")), QStringLiteral("-"));
    const QString path = QFileDialog::getSaveFileName(this, tr("Export %1").arg(title_), stem + QStringLiteral(".png"),
                                                      tr("PNG image (*.png);;SVG drawing (*.svg)"));
    if (path.isEmpty()) return;
    const QString error = exportTo(path);
    if (error.isEmpty()) Q_EMIT exported(path);
    else Q_EMIT exportFailed(error);
}

}  // namespace moe::gui
