// The Routing tab: token strip, layer × expert, expert load and token × expert heatmaps.
#pragma once

#include "gui_private/routing_models.h"
#include "widgets/page.h"

class QComboBox;

namespace moe::gui {

class ExpertLoadModel;
class HeatmapView;
class LayerExpertModel;
class TokenExpertModel;
class TokenListModel;
class TokenStripView;

class RoutingPage : public Page {
    Q_OBJECT
public:
    explicit RoutingPage(TraceStore* store, QWidget* parent = nullptr);

    // What the routing heatmaps show: the router probability or the applied weight.
    void setValueKind(RoutingValue kind);

    TokenExpertModel* tokenExpertModel() const { return token_expert_model_; }
    LayerExpertModel* layerExpertModel() const { return layer_expert_model_; }
    ExpertLoadModel* expertLoadModel() const { return expert_load_model_; }
    HeatmapView* tokenExpertView() const { return token_expert_view_; }
    HeatmapView* layerExpertView() const { return layer_expert_view_; }
    HeatmapView* expertLoadView() const { return expert_load_view_; }
    TokenStripView* tokenStrip() const { return token_strip_; }

protected:
    void onStoreReset() override;

private:
    void onSelectedToken(int token);
    void onSelectedLayer(int layer);
    void updateLegendTitles();

    TokenListModel* token_list_model_;
    TokenExpertModel* token_expert_model_;
    LayerExpertModel* layer_expert_model_;
    ExpertLoadModel* expert_load_model_;
    TokenStripView* token_strip_ = nullptr;
    HeatmapView* token_expert_view_ = nullptr;
    HeatmapView* layer_expert_view_ = nullptr;
    HeatmapView* expert_load_view_ = nullptr;
    ViewPanel* token_expert_panel_ = nullptr;
    ViewPanel* layer_expert_panel_ = nullptr;
    QComboBox* load_combo_ = nullptr;
};

}  // namespace moe::gui
