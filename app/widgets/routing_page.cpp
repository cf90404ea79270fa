#include "widgets/routing_page.h"

#include <QComboBox>
#include <QSplitter>
#include <QVBoxLayout>

#include "gui_private/routing_models.h"
#include "gui_private/trace_store.h"
#include "widgets/heatmap_view.h"
#include "widgets/token_strip_view.h"
#include "widgets/translated.h"
#include "widgets/view_panel.h"

namespace moe::gui {

RoutingPage::RoutingPage(TraceStore* store, QWidget* parent)
    : Page(store, parent),
      token_list_model_(new TokenListModel(store, this)),
      token_expert_model_(new TokenExpertModel(store, this)),
      layer_expert_model_(new LayerExpertModel(store, this)),
      expert_load_model_(new ExpertLoadModel(store, this)) {
    token_strip_ = new TokenStripView;
    token_strip_->setModel(token_list_model_);
    connect(token_strip_, &TokenStripView::tokenClicked, store_, &TraceStore::selectToken);
    auto* strip_panel = addPanel(QT_TR_NOOP("Tokens"), token_strip_,
                                 QT_TR_NOOP("The prompt and the output as token chips, each filled with the colour of its top expert."),
                                 QT_TR_NOOP("colour = top expert in the selected layer; dashed = prompt"));

    layer_expert_view_ = new HeatmapView;
    layer_expert_view_->setModel(layer_expert_model_, false, true, 1.0);
    connect(layer_expert_view_, &HeatmapView::cellClicked, this, [this](int row, int) { store_->selectLayer(row); });
    layer_expert_panel_ = addPanel(QT_TR_NOOP("Layer × expert"), layer_expert_view_,
                                   QT_TR_NOOP("How the router scored every expert for the selected token, in every MoE layer."));

    expert_load_view_ = new HeatmapView;
    expert_load_view_->setModel(expert_load_model_, false, false, 1.0);
    auto* load_panel = addPanel(QT_TR_NOOP("Expert load"), expert_load_view_,
                                QT_TR_NOOP("How many tokens of the session each expert received, per MoE layer."),
                                QT_TR_NOOP("tokens routed to each expert so far"));
    load_combo_ = new QComboBox;
    load_combo_->addItems({QString(), QString()});
    translated(this, [this] {
        load_combo_->setItemText(0, tr("counts"));
        load_combo_->setItemText(1, tr("shares"));
    });
    connect(load_combo_, &QComboBox::currentIndexChanged, this, [this](int i) {
        expert_load_model_->setMeasure(i == 0 ? ExpertLoadModel::Measure::Count : ExpertLoadModel::Measure::Share);
        updateLegendTitles();
    });
    load_panel->addHeaderWidget(load_combo_);

    token_expert_view_ = new HeatmapView;
    token_expert_view_->setModel(token_expert_model_, true, true, 1.0);
    connect(token_expert_view_, &HeatmapView::cellClicked, this, [this](int row, int) { store_->selectToken(row); });
    token_expert_panel_ = addPanel(QT_TR_NOOP("Token × expert"), token_expert_view_,
                                   QT_TR_NOOP("The selected layer's routing of every token over time, tokens left to right."));
    translated(this, [this] { updateLegendTitles(); });

    auto* upper = new QSplitter(Qt::Horizontal);
    upper->addWidget(layer_expert_panel_);
    upper->addWidget(load_panel);
    upper->setSizes({560, 440});
    auto* splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(strip_panel);
    splitter->addWidget(upper);
    splitter->addWidget(token_expert_panel_);
    splitter->setSizes({150, 420, 300});
    splitter->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);

    connect(store_, &TraceStore::selectedTokenChanged, this, &RoutingPage::onSelectedToken);
    connect(store_, &TraceStore::selectedLayerChanged, this, &RoutingPage::onSelectedLayer);
    followStore();
}

void RoutingPage::setValueKind(RoutingValue kind) {
    token_expert_model_->setValueKind(kind);
    layer_expert_model_->setValueKind(kind);
    updateLegendTitles();
}

void RoutingPage::onStoreReset() {
    const int n_expert = store_->expertCount();
    layer_expert_view_->setSeparatorAfterColumn(store_->sharedExpertCount() > 0 ? n_expert - 1 : -1);
    token_expert_view_->setSeparatorAfterColumn(store_->sharedExpertCount() > 0 ? n_expert - 1 : -1);
    onSelectedToken(store_->selectedToken());
    onSelectedLayer(store_->selectedLayer());
}

void RoutingPage::onSelectedToken(int token) {
    // A pinned token is scrolled into view; while following, the views stay at the newest end.
    const bool pinned = !store_->followsLatest();
    token_expert_view_->setHighlightedRow(token, pinned);
    token_strip_->setSelectedToken(token, pinned);
    if (token >= 0 && token < store_->tokenCount()) {
        const auto& t = store_->token(token);
        layer_expert_panel_->setSubtitle(tr("token %1 “%2”%3").arg(t.step)
                                             .arg(TokenListModel::displayText(t.text))
                                             .arg(store_->followsLatest() ? tr(" (newest)") : QString()));
    } else {
        layer_expert_panel_->setSubtitle(tr("no token yet"));
    }
}

void RoutingPage::onSelectedLayer(int layer) {
    layer_expert_view_->setHighlightedRow(layer);
    expert_load_view_->setHighlightedRow(layer);
    token_expert_panel_->setSubtitle(store_->moeLayerCount() > 0
                                         ? tr("layer %1; scroll or Ctrl+wheel to zoom").arg(store_->blockOfMoeLayer(layer))
                                         : QString());
}

void RoutingPage::updateLegendTitles() {
    const QString routing = token_expert_model_->valueKind() == RoutingValue::Probability ? tr("probability") : tr("weight");
    token_expert_view_->setLegendTitle(routing);
    layer_expert_view_->setLegendTitle(routing);
    expert_load_view_->setLegendTitle(load_combo_->currentIndex() == 0 ? tr("tokens") : tr("share"));
}

}  // namespace moe::gui
