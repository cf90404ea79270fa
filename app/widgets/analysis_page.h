// The Analysis tab: the routing metrics of core/analysis for the open session, recomputed off
// the GUI thread while this page is visible. Per-layer table, co-activation and next-layer
// transition heatmaps of the selected layer, the expert inspector (the selected expert in
// every layer, its top tokens, its occurrences in context), expert-cache and pruning charts.
#pragma once

#include "widgets/page.h"

#include <QAbstractItemModel>

class QListView;
class QSpinBox;
class QTableView;

namespace moe::gui {

class AnalysisRunner;
class CacheChart;
class CoverageChart;
class ExpertLayersModel;
class ExpertMatrixModel;
class ExpertOccurrenceModel;
class ExpertTokensModel;
class HeatmapView;
class LayerStatsModel;

class AnalysisPage : public Page {
    Q_OBJECT
public:
    explicit AnalysisPage(TraceStore* store, QWidget* parent = nullptr);

    AnalysisRunner* runner() const { return runner_; }
    LayerStatsModel* layerStatsModel() const { return layer_stats_; }
    ExpertMatrixModel* coactivationModel() const { return coactivation_; }
    ExpertMatrixModel* transitionModel() const { return transition_; }
    ExpertLayersModel* expertLayersModel() const { return expert_layers_; }
    ExpertTokensModel* expertTokensModel() const { return expert_tokens_; }
    ExpertOccurrenceModel* occurrenceModel() const { return occurrences_; }
    QListView* occurrenceView() const { return occurrence_view_; }

protected:
    void onStoreReset() override;
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void updateViews();  // subtitles and charts from the newest analysis and the selection

    AnalysisRunner* runner_;
    LayerStatsModel* layer_stats_;
    ExpertMatrixModel* coactivation_;
    ExpertMatrixModel* transition_;
    ExpertLayersModel* expert_layers_;
    ExpertTokensModel* expert_tokens_;
    ExpertOccurrenceModel* occurrences_;
    QListView* occurrence_view_ = nullptr;
    QSpinBox* expert_box_ = nullptr;
    HeatmapView* coactivation_view_ = nullptr;
    HeatmapView* transition_view_ = nullptr;
    CacheChart* cache_chart_ = nullptr;
    CoverageChart* coverage_chart_ = nullptr;
    ViewPanel* table_panel_ = nullptr;
    ViewPanel* coactivation_panel_ = nullptr;
    ViewPanel* transition_panel_ = nullptr;
    ViewPanel* layers_panel_ = nullptr;
    ViewPanel* tokens_panel_ = nullptr;
    ViewPanel* occurrence_panel_ = nullptr;
    ViewPanel* cache_panel_ = nullptr;
    ViewPanel* coverage_panel_ = nullptr;
};

}  // namespace moe::gui
