#include "widgets/timing_page.h"

#include <QSplitter>
#include <QVBoxLayout>

#include "gui_private/timing_models.h"
#include "gui_private/trace_store.h"
#include "widgets/model_charts.h"
#include "widgets/translated.h"
#include "widgets/view_panel.h"

namespace moe::gui {

TimingPage::TimingPage(TraceStore* store, QWidget* parent)
    : Page(store, parent), latency_model_(new LatencyModel(store, this)), layer_time_model_(new LayerTimeModel(store, this)) {
    latency_chart_ = new ModelLineChart(QString(), QString());
    latency_chart_->setModel(latency_model_, LatencyModel::StepColumn);
    latency_chart_->addSeries(QString(), LatencyModel::TotalMsColumn, seriesColor(2), ModelLineChart::Rows::PromptOnly);
    latency_chart_->addSeries(QString(), LatencyModel::TotalMsColumn, seriesColor(0), ModelLineChart::Rows::GeneratedOnly);
    translated(this, [this] {
        latency_chart_->setAxisTitles(tr("token (step)"), tr("ms"));
        latency_chart_->setSeriesName(0, tr("prefill (batch time split evenly)"));
        latency_chart_->setSeriesName(1, tr("decode"));
    });
    auto* layers = new LayerTimeChart;
    layers->setModel(layer_time_model_);
    auto* splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(addPanel(QT_TR_NOOP("Latency per token"), latency_chart_,
                                 QT_TR_NOOP("How long each prompt and output token took to evaluate."),
                                 QT_TR_NOOP("wall time of each evaluated token")));
    splitter->addWidget(addPanel(QT_TR_NOOP("Time per layer"), layers,
                                 QT_TR_NOOP("Where the time of a token goes, block by block (attention + FFN)."),
                                 QT_TR_NOOP("median wall time per block (attention + FFN); a whisker spans the middle half of decode tokens")));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);
    connect(store_, &TraceStore::selectedTokenChanged, this, &TimingPage::onSelectedToken);
    followStore();
}

void TimingPage::onStoreReset() {
    // Imported traces carry only what their recorder wrote.
    const bool no_timings = store_->tokenCount() > 0 && store_->token(0).total_ms == 0;
    latency_chart_->setPlaceholder(no_timings ? tr("this trace has no timings") : QString());
    onSelectedToken(store_->selectedToken());
}

void TimingPage::onSelectedToken(int token) {
    // A pinned token is marked with a dashed line.
    latency_chart_->setMarker(!store_->followsLatest() && token >= 0 ? store_->token(token).step : -1.0);
}

}  // namespace moe::gui
