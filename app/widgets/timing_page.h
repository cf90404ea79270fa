// The Timing tab: latency per token and time per layer.
#pragma once

#include "widgets/page.h"

namespace moe::gui {

class LatencyModel;
class LayerTimeModel;
class ModelLineChart;

class TimingPage : public Page {
    Q_OBJECT
public:
    explicit TimingPage(TraceStore* store, QWidget* parent = nullptr);
    LatencyModel* latencyModel() const { return latency_model_; }
    LayerTimeModel* layerTimeModel() const { return layer_time_model_; }

protected:
    void onStoreReset() override;

private:
    void onSelectedToken(int token);

    LatencyModel* latency_model_;
    LayerTimeModel* layer_time_model_;
    ModelLineChart* latency_chart_ = nullptr;
};

}  // namespace moe::gui
