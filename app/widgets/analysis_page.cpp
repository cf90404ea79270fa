#include "widgets/analysis_page.h"

#include <QHBoxLayout>
#include <QListView>
#include <QPainter>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>

#include <cmath>

#include "gui_private/analysis_models.h"
#include "gui_private/analysis_runner.h"
#include "gui_private/trace_store.h"
#include "widgets/analysis_charts.h"
#include "widgets/heatmap_view.h"
#include "widgets/translated.h"
#include "widgets/view_panel.h"

namespace moe::gui {

namespace {
// An occurrence in context: the tokens before and after in grey, the routed token highlighted.
class OccurrenceDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* p, const QStyleOptionViewItem& option, const QModelIndex& index) const override {
        QStyleOptionViewItem plain = option;
        initStyleOption(&plain, index);
        plain.text.clear();
        option.widget->style()->drawControl(QStyle::CE_ItemViewItem, &plain, p, option.widget);
        const QString before = index.data(ExpertOccurrenceModel::BeforeRole).toString();
        const QString token = index.data(ExpertOccurrenceModel::TokenTextRole).toString();
        const QString after = index.data(ExpertOccurrenceModel::AfterRole).toString();
        const QFontMetrics fm(option.font);
        QRect r = option.rect.adjusted(4, 0, -4, 0);
        const int token_w = fm.horizontalAdvance(token) + 6;
        const int side = std::max(0, (r.width() - token_w) / 2);
        p->save();
        p->setPen(QColor(0x66, 0x66, 0x66));
        p->drawText(QRect(r.left(), r.top(), side, r.height()), Qt::AlignRight | Qt::AlignVCenter,
                    fm.elidedText(before, Qt::ElideLeft, side));
        const QRect chip(r.left() + side, r.top() + 2, token_w, r.height() - 4);
        p->fillRect(chip, QColor(0xfd, 0xd0, 0xa2));
        p->setPen(QColor(0x22, 0x22, 0x22));
        p->drawText(chip, Qt::AlignCenter, token);
        p->setPen(QColor(0x66, 0x66, 0x66));
        p->drawText(QRect(chip.right() + 1, r.top(), side, r.height()), Qt::AlignLeft | Qt::AlignVCenter,
                    fm.elidedText(after, Qt::ElideRight, side));
        p->restore();
    }
};
}  // namespace

AnalysisPage::AnalysisPage(TraceStore* store, QWidget* parent)
    : Page(store, parent),
      runner_(new AnalysisRunner(store, this)),
      layer_stats_(new LayerStatsModel(runner_, store, this)),
      coactivation_(new ExpertMatrixModel(ExpertMatrixModel::Kind::Coactivation, runner_, store, this)),
      transition_(new ExpertMatrixModel(ExpertMatrixModel::Kind::Transition, runner_, store, this)),
      expert_layers_(new ExpertLayersModel(runner_, store, this)),
      expert_tokens_(new ExpertTokensModel(runner_, store, this)),
      occurrences_(new ExpertOccurrenceModel(runner_, store, this)) {
    QTableView* layer_table = addTable(layer_stats_, true);
    connect(layer_table, &QTableView::clicked, this, [this, layer_table](const QModelIndex& i) {
        auto* proxy = static_cast<QSortFilterProxyModel*>(layer_table->model());
        store_->selectLayer(proxy->mapToSource(i).row());
    });
    table_panel_ = addTablePanel(QT_TR_NOOP("Per-layer statistics"), layer_table,
                                 QT_TR_NOOP("Load balance and repetition of every MoE layer, each beside what a random router gives."),
                                 QT_TR_NOOP("click a row to select its layer; click a header to sort"));

    coactivation_view_ = new HeatmapView;
    coactivation_view_->setModel(coactivation_, false, true, 1.0);
    coactivation_view_->setLegendTitle(QStringLiteral("P(j | i)"));
    connect(coactivation_view_, &HeatmapView::cellClicked, this, [this](int, int column) { store_->selectExpert(column); });
    coactivation_panel_ = addPanel(QT_TR_NOOP("Co-activation"), coactivation_view_,
                                   QT_TR_NOOP("How often expert j is chosen together with expert i, given i (rows i, columns j)."));
    transition_view_ = new HeatmapView;
    transition_view_->setModel(transition_, false, true, 1.0);
    transition_view_->setLegendTitle(QStringLiteral("P(next | here)"));
    connect(transition_view_, &HeatmapView::cellClicked, this, [this](int row, int) { store_->selectExpert(row); });
    transition_panel_ = addPanel(QT_TR_NOOP("Layer → next layer"), transition_view_,
                                 QT_TR_NOOP("Where a token's rank-0 expert here (rows) sends it at the next MoE layer (columns)."));

    QTableView* layers_table = addTable(expert_layers_, false);
    connect(layers_table, &QTableView::clicked, this, [this](const QModelIndex& i) { store_->selectLayer(i.row()); });
    layers_panel_ = addTablePanel(QT_TR_NOOP("Expert in every layer"), layers_table,
                                  QT_TR_NOOP("The selected expert's load, share and rank in each MoE layer."));
    expert_box_ = new QSpinBox;
    withToolTip(this, expert_box_, QT_TR_NOOP("The expert the inspector shows; click any expert in a heatmap to pick it"));
    translated(this, [this] { expert_box_->setPrefix(tr("expert ")); });
    connect(expert_box_, &QSpinBox::valueChanged, store_, &TraceStore::selectExpert);
    connect(store_, &TraceStore::selectedExpertChanged, expert_box_, &QSpinBox::setValue);
    layers_panel_->addHeaderWidget(expert_box_);
    tokens_panel_ = addTablePanel(QT_TR_NOOP("Expert's top tokens"), addTable(expert_tokens_, false),
                                  QT_TR_NOOP("The input tokens the selected expert handles most often, and most consistently."));

    occurrence_view_ = new QListView;
    occurrence_view_->setModel(occurrences_);
    occurrence_view_->setItemDelegate(new OccurrenceDelegate(occurrence_view_));
    occurrence_view_->setUniformItemSizes(true);
    connect(occurrence_view_, &QListView::clicked, this, [this](const QModelIndex& i) {
        store_->selectToken(i.data(ExpertOccurrenceModel::TokenIndexRole).toInt());
    });
    occurrence_panel_ = addPanel(QT_TR_NOOP("Occurrences"), occurrence_view_,
                                 QT_TR_NOOP("Every token the selected expert handled in the selected layer, in context; click one to select it everywhere."));

    cache_chart_ = new CacheChart;
    cache_panel_ = addPanel(QT_TR_NOOP("Expert cache"), cache_chart_,
                            QT_TR_NOOP("Hit rate of a cache holding that many experts' weights, replaying the tokens in order."));
    coverage_chart_ = new CoverageChart;
    coverage_panel_ = addPanel(QT_TR_NOOP("Pruning coverage"), coverage_chart_,
                               QT_TR_NOOP("The share of the routing the M busiest experts handle: what pruning to M keeps."));

    auto* heatmaps = new QSplitter(Qt::Horizontal);
    heatmaps->addWidget(coactivation_panel_);
    heatmaps->addWidget(transition_panel_);
    auto* charts = new QSplitter(Qt::Horizontal);
    charts->addWidget(cache_panel_);
    charts->addWidget(coverage_panel_);
    auto* left = new QSplitter(Qt::Vertical);
    left->addWidget(table_panel_);
    left->addWidget(heatmaps);
    left->addWidget(charts);
    left->setSizes({220, 330, 260});
    auto* right = new QSplitter(Qt::Vertical);
    right->addWidget(layers_panel_);
    right->addWidget(tokens_panel_);
    right->addWidget(occurrence_panel_);
    right->setSizes({250, 250, 300});
    auto* columns = new QSplitter(Qt::Horizontal);
    columns->addWidget(left);
    columns->addWidget(right);
    columns->setSizes({700, 380});
    columns->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(columns);

    connect(runner_, &AnalysisRunner::updated, this, &AnalysisPage::updateViews);
    connect(store_, &TraceStore::selectedLayerChanged, this, &AnalysisPage::updateViews);
    connect(store_, &TraceStore::selectedExpertChanged, this, &AnalysisPage::updateViews);
    followStore();
}

void AnalysisPage::onStoreReset() {
    {
        const QSignalBlocker block(expert_box_);
        expert_box_->setRange(0, std::max(0, store_->expertCount() - 1));
        expert_box_->setValue(store_->selectedExpert());
    }
    updateViews();
}

void AnalysisPage::showEvent(QShowEvent* event) {
    Page::showEvent(event);
    runner_->setActive(true);
}

void AnalysisPage::hideEvent(QHideEvent* event) {
    Page::hideEvent(event);
    runner_->setActive(false);
}

void AnalysisPage::updateViews() {
    const auto snapshot = runner_->snapshot();
    const auto* layer = layer_stats_->rowCount() > 0 ? coactivation_->layerReport() : nullptr;
    if (!snapshot || !layer) {
        const QString why = store_->tokenCount() == 0 ? tr("no tokens yet")
                            : !runner_->error().isEmpty() ? tr("cannot analyse: %1").arg(runner_->error())
                                                          : tr("analysing…");
        for (ViewPanel* panel : {coactivation_panel_, transition_panel_, layers_panel_, tokens_panel_, occurrence_panel_,
                                 cache_panel_, coverage_panel_}) {
            panel->setSubtitle(why);
        }
        cache_chart_->clear();
        coverage_chart_->clear();
        return;
    }
    const int expert = store_->selectedExpert();
    const auto& report = snapshot->report;
    const int k = snapshot->table->max_k;
    table_panel_->setSubtitle(tr("%1 tokens in %2 sequences; click a row to select its layer").arg(report.tokens).arg(report.sequences));
    coactivation_panel_->setSubtitle(tr("layer %1: P(column chosen | row chosen)").arg(layer->layer));
    transition_panel_->setSubtitle(std::isnan(layer->next_layer_mi_bits)
                                       ? tr("layer %1 is the last MoE layer").arg(layer->layer)
                                       : tr("layer %1 → next: I = %2 bits").arg(layer->layer).arg(layer->next_layer_mi_bits, 0, 'f', 3));
    layers_panel_->setSubtitle(tr("E%1").arg(expert));
    tokens_panel_->setSubtitle(tr("E%1 in layer %2").arg(expert).arg(layer->layer));
    occurrence_panel_->setSubtitle(tr("E%1 in layer %2: %3 tokens").arg(expert).arg(layer->layer).arg(occurrences_->occurrenceCount()));
    cache_panel_->setSubtitle(tr("layer %1 (solid) and the mean of all layers (dashed)").arg(layer->layer));
    coverage_panel_->setSubtitle(tr("layer %1 (solid) and the mean of all layers (dashed)").arg(layer->layer));
    cache_chart_->setData(*layer, report.layers, k);
    coverage_chart_->setData(*layer, report.layers, k);
}

}  // namespace moe::gui
