#include "widgets/compare_page.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QSplitter>
#include <QValueAxis>
#include <QVBoxLayout>

#include "gui_private/run_models.h"
#include "gui_private/trace_store.h"
#include "widgets/translated.h"
#include "widgets/view_panel.h"
#include "widgets/what_if_page.h"

namespace moe::gui {

namespace {
constexpr int kMargin = 36;    // room for the axis captions
constexpr int kLegend = 22;
const QColor kDivergence(0xd9, 0x2b, 0x2b);
}  // namespace

RunDiffView::RunDiffView(QWidget* parent) : QWidget(parent) { setMinimumHeight(160); }

void RunDiffView::setDiff(moe::analysis::LayerDiff diff, int first_divergence) {
    diff_ = std::move(diff);
    divergence_ = first_divergence;
    update();
}

QRect RunDiffView::cellsRect() const { return rect().adjusted(kMargin, 6, -8, -kMargin - kLegend); }

void RunDiffView::mouseReleaseEvent(QMouseEvent* event) {
    const QRect cells = cellsRect();
    if (event->button() != Qt::LeftButton || diff_.tokens == 0 || !cells.contains(event->position().toPoint())) return;
    Q_EMIT expertClicked(std::min(diff_.n_expert - 1, (event->position().toPoint().y() - cells.top()) * diff_.n_expert / cells.height()));
}

void RunDiffView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().base());
    p.setPen(palette().text().color());
    const QRect cells = cellsRect();
    if (diff_.tokens == 0 || cells.width() < 4 || cells.height() < 4) {
        p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, tr("Pick two runs of this session above."));
        return;
    }
    p.drawImage(cells, diffImage(diff_));
    p.drawText(QRect(cells.left(), cells.bottom() + 2, cells.width(), 16), Qt::AlignCenter,
               tr("token position 0 … %1 →").arg(diff_.tokens - 1));
    p.save();
    p.translate(cells.left() - 6, cells.center().y());
    p.rotate(-90);
    p.drawText(QRect(-cells.height() / 2, -16, cells.height(), 16), Qt::AlignCenter,
               tr("expert 0 … %1").arg(diff_.n_expert - 1));
    p.restore();
    if (divergence_ >= 0 && divergence_ < diff_.tokens) {
        const double x = cells.left() + cells.width() * (divergence_ + 0.5) / diff_.tokens;
        p.setPen(QPen(kDivergence, 2));
        p.drawLine(QPointF(x, cells.top()), QPointF(x, cells.bottom()));
    }
    // Legend: the three memberships and the divergence marker.
    int x = cells.left();
    const int y = rect().bottom() - kLegend + 4;
    const auto entry = [&](const QColor& color, const QString& text) {
        p.fillRect(QRect(x, y + 2, 12, 12), color);
        p.setPen(palette().text().color());
        const int width = p.fontMetrics().horizontalAdvance(text);
        p.drawText(QRect(x + 16, y, width + 4, 16), Qt::AlignVCenter, text);
        x += 16 + width + 16;
    };
    entry(membershipColor(moe::analysis::Membership::AOnly), tr("A only"));
    entry(membershipColor(moe::analysis::Membership::BOnly), tr("B only"));
    entry(membershipColor(moe::analysis::Membership::Both), tr("both"));
    if (divergence_ >= 0) entry(kDivergence, tr("first divergence"));
}

ComparePage::ComparePage(TraceStore* store, QWidget* parent)
    : Page(store, parent), runs_(new RunListModel(store, this)), comparison_(new RunComparisonModel(store, this)),
      run_a_(new QComboBox), run_b_(new QComboBox), headline_(new QLabel), diff_view_(new RunDiffView),
      chart_(new QChartView) {
    for (QComboBox* combo : {run_a_, run_b_}) {
        combo->setModel(runs_);
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(24);
        connect(combo, &QComboBox::currentIndexChanged, this, &ComparePage::requestComparison);
    }
    headline_->setWordWrap(true);
    auto* pickers = new QHBoxLayout;
    pickers->addWidget(withText(this, new QLabel, QT_TR_NOOP("Run A")));
    pickers->addWidget(run_a_, 1);
    pickers->addWidget(withText(this, new QLabel, QT_TR_NOOP("Run B")));
    pickers->addWidget(run_b_, 1);

    chart_->setRenderHint(QPainter::Antialiasing);
    chart_->chart()->legend()->setAlignment(Qt::AlignBottom);
    diff_panel_ = addPanel(QT_TR_NOOP("Routing diff"), diff_view_,
                           QT_TR_NOOP("For the selected MoE layer, token by token: the experts only run A chose, only "
                                      "run B chose, and both chose; the red line is the first position where the "
                                      "two token sequences differ"));
    ViewPanel* chart_panel =
        addPanel(QT_TR_NOOP("Agreement per layer"), chart_,
                 QT_TR_NOOP("Per MoE layer, over the tokens before the first divergence: set agreement "
                            "|A ∩ B| / |A|, top-1 agreement and Jaccard |A ∩ B| / |A ∪ B|"));
    chart_panel->addHeaderWidget(csvExportButton(this, comparison_, QStringLiteral("agreement.csv")));
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(diff_panel_);
    split->addWidget(chart_panel);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    chart_->setMinimumHeight(240);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 0);
    layout->addLayout(pickers);
    layout->addWidget(headline_);
    layout->addWidget(split, 1);
    connect(store_, &TraceStore::runsChanged, this, &ComparePage::onRunsChanged);
    connect(store_, &TraceStore::selectedLayerChanged, comparison_, &RunComparisonModel::setLayer);
    connect(comparison_, &RunComparisonModel::computed, this, &ComparePage::showComparison);
    connect(diff_view_, &RunDiffView::expertClicked, store_, &TraceStore::selectExpert);
    followStore();
}

void ComparePage::onStoreReset() { requestComparison(); }

void ComparePage::onRunsChanged() {
    // A new run: compare it with its baseline (a what-if) or with the run before it.
    const int n = runs_->rowCount();
    if (n == 0) return;
    const moe::RunRecord& newest = store_->runs().back();
    setRuns(newest.kind == moe::RunKind::WhatIf ? newest.baseline : std::max(0, n - 2), n - 1);
}

void ComparePage::setRuns(int a, int b) {
    const QSignalBlocker block_a(run_a_), block_b(run_b_);
    run_a_->setCurrentIndex(a);
    run_b_->setCurrentIndex(b);
    requestComparison();
}

QString ComparePage::headline() const { return headline_->text(); }

void ComparePage::requestComparison() {
    comparison_->setRuns(run_a_->currentIndex(), run_b_->currentIndex(), store_->selectedLayer());
}

void ComparePage::showComparison() {
    const int layer = comparison_->layer();
    const moe::analysis::RunComparison& c = comparison_->comparison();
    if (!comparison_->valid()) {
        headline_->setText(comparison_->problem());
    } else if (c.diverged) {
        headline_->setText(tr("The token sequences agree for %1 tokens and first diverge at position %2; the agreement "
                              "below covers those %1 tokens.")
                               .arg(c.tokens_compared)
                               .arg(c.divergence_pos));
    } else {
        headline_->setText(tr("The two runs evaluate the same %1 tokens.").arg(c.tokens_compared));
    }
    diff_view_->setDiff(comparison_->diff(), comparison_->valid() && c.diverged ? static_cast<int>(c.tokens_compared) : -1);
    if (comparison_->valid() && layer < static_cast<int>(c.layers.size()))
        diff_panel_->setSubtitle(tr("layer %1").arg(c.layers[static_cast<size_t>(layer)].layer));

    // The chart is rebuilt whole: a handful of layers, three bars each.
    QChart* chart = chart_->chart();
    chart->removeAllSeries();  // deletes the series
    for (QAbstractAxis* axis : chart->axes()) {
        chart->removeAxis(axis);  // hands the axis back to us: it was leaked on every comparison shown
        delete axis;
    }
    auto* series = new QBarSeries;
    QBarSet* sets[] = {new QBarSet(tr("set agreement")), new QBarSet(tr("top-1 agreement")), new QBarSet(tr("Jaccard"))};
    QStringList categories;
    for (const moe::analysis::LayerAgreement& l : c.layers) {
        categories << QStringLiteral("L%1").arg(l.layer);
        *sets[0] << 100 * (std::isnan(l.set_agreement) ? 0 : l.set_agreement);
        *sets[1] << 100 * (std::isnan(l.top1_agreement) ? 0 : l.top1_agreement);
        *sets[2] << 100 * (std::isnan(l.jaccard) ? 0 : l.jaccard);
    }
    for (QBarSet* set : sets) series->append(set);
    chart->addSeries(series);
    auto* x = new QBarCategoryAxis;
    x->append(categories);
    auto* y = new QValueAxis;
    y->setRange(0, 100);
    y->setLabelFormat(QStringLiteral("%.0f %%"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    series->attachAxis(x);
    series->attachAxis(y);
}

}  // namespace moe::gui
