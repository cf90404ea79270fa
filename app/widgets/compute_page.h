// The Compute tab: work per token vs dense, cumulative FLOPs and weight bytes, KV cache size.
#pragma once

#include "widgets/page.h"

namespace moe::gui {

class ModelLineChart;
class SavingsModel;

class ComputePage : public Page {
    Q_OBJECT
public:
    explicit ComputePage(TraceStore* store, QWidget* parent = nullptr);
    SavingsModel* savingsModel() const { return savings_model_; }

protected:
    void onStoreReset() override;

private:
    void onSelectedToken(int token);
    void updateSavingsSummary();  // the panels' subtitles state the running totals in words

    SavingsModel* savings_model_;
    ModelLineChart* share_chart_ = nullptr;
    ModelLineChart* kv_chart_ = nullptr;
    ViewPanel* flops_panel_ = nullptr;
    ViewPanel* bytes_panel_ = nullptr;
    ViewPanel* kv_panel_ = nullptr;
};

}  // namespace moe::gui
