#include "widgets/compute_page.h"

#include <QGridLayout>

#include <algorithm>

#include "gui_private/timing_models.h"
#include "gui_private/trace_store.h"
#include "widgets/model_card.h"
#include "widgets/model_charts.h"
#include "widgets/translated.h"
#include "widgets/view_panel.h"

namespace moe::gui {

ComputePage::ComputePage(TraceStore* store, QWidget* parent) : Page(store, parent), savings_model_(new SavingsModel(store, this)) {
    share_chart_ = new ModelLineChart(QString(), QString());
    share_chart_->setModel(savings_model_, SavingsModel::StepColumn);
    share_chart_->addSeries(QString(), SavingsModel::FlopsPercentColumn, seriesColor(0));
    share_chart_->addSeries(QString(), SavingsModel::BytesPercentColumn, seriesColor(1));

    auto* flops = new ModelLineChart(QString(), QString());
    flops->setModel(savings_model_, SavingsModel::StepColumn);
    flops->addSeries(QString(), SavingsModel::CumFlopsUsedColumn, seriesColor(0), ModelLineChart::Rows::All, 1e-9);
    flops->addSeries(QString(), SavingsModel::CumFlopsDenseColumn, seriesColor(3), ModelLineChart::Rows::All, 1e-9);

    auto* bytes = new ModelLineChart(QString(), QString());
    bytes->setModel(savings_model_, SavingsModel::StepColumn);
    bytes->setBytes(true);
    bytes->addSeries(QString(), SavingsModel::CumBytesUsedColumn, seriesColor(1));
    bytes->addSeries(QString(), SavingsModel::CumBytesDenseColumn, seriesColor(3));

    kv_chart_ = new ModelLineChart(QString(), QString());
    kv_chart_->setModel(savings_model_, SavingsModel::StepColumn);
    kv_chart_->setBytes(true);
    kv_chart_->addSeries(QString(), SavingsModel::KvBytesColumn, seriesColor(2));
    kv_chart_->addSeries(QString(), SavingsModel::KvBytesFullColumn, seriesColor(3));
    translated(this, [this, flops, bytes] {
        for (ModelLineChart* chart : {bytes, kv_chart_}) chart->setAxisTitles(tr("token (step)"), QString());  // y: a byte unit
        share_chart_->setAxisTitles(tr("token (step)"), tr("% of dense"));
        share_chart_->setSeriesName(0, tr("FLOPs"));
        share_chart_->setSeriesName(1, tr("weight bytes"));
        flops->setAxisTitles(tr("token (step)"), tr("GFLOP"));
        for (ModelLineChart* chart : {flops, bytes}) {
            chart->setSeriesName(0, tr("used"));
            chart->setSeriesName(1, tr("dense equivalent"));
        }
        kv_chart_->setSeriesName(1, tr("full multi-head K/V"));  // series 0 names the model's attention
    });

    auto* layout = new QGridLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    layout->addWidget(addPanel(QT_TR_NOOP("Work per token vs dense"), share_chart_,
                               QT_TR_NOOP("The FLOPs and weight bytes each token used, as a share of a dense model that runs every expert."),
                               QT_TR_NOOP("share of a dense model running every expert")), 0, 0);
    flops_panel_ = addPanel(QT_TR_NOOP("Cumulative FLOPs"), flops,
                            QT_TR_NOOP("Arithmetic done so far by the routed model and by its dense equivalent."));
    layout->addWidget(flops_panel_, 0, 1);
    bytes_panel_ = addPanel(QT_TR_NOOP("Cumulative weight bytes read"), bytes,
                            QT_TR_NOOP("Weight memory read so far: only the chosen experts' weights are touched."));
    layout->addWidget(bytes_panel_, 1, 0);
    kv_panel_ = addPanel(QT_TR_NOOP("KV cache size"), kv_chart_,
                         QT_TR_NOOP("Bytes the attention cache holds after each token, against full multi-head K/V."));
    layout->addWidget(kv_panel_, 1, 1);

    connect(savings_model_, &QAbstractItemModel::rowsInserted, this, &ComputePage::updateSavingsSummary);
    connect(store_, &TraceStore::statsChanged, this, &ComputePage::updateSavingsSummary);
    connect(store_, &TraceStore::selectedTokenChanged, this, &ComputePage::onSelectedToken);
    followStore();
}

void ComputePage::onStoreReset() {
    const auto& info = store_->modelInfo();
    // MLA caches a compressed latent, GQA fewer K/V heads; the other line is full multi-head K/V.
    const QString attention = QString::fromStdString(info.attention);
    kv_chart_->setSeriesName(0, attention.startsWith(QLatin1String("MLA")) ? tr("cached (MLA latent)")
                                                                          : tr("cached (%1)").arg(attention.section(QLatin1Char(','), 0, 0)));
    kv_chart_->setPlaceholder(info.n_layer > 0 && info.kv_bytes_per_token == 0 ? tr("no KV cache size in this session") : QString());
    // Imported traces carry only what their recorder wrote.
    const bool no_timings = store_->tokenCount() > 0 && store_->token(0).total_ms == 0;
    share_chart_->setPlaceholder(no_timings ? tr("this trace has no compute figures") : QString());
    onSelectedToken(store_->selectedToken());
    updateSavingsSummary();
}

void ComputePage::onSelectedToken(int token) {
    share_chart_->setMarker(!store_->followsLatest() && token >= 0 ? store_->token(token).step : -1.0);
}

void ComputePage::updateSavingsSummary() {
    const int last = savings_model_->rowCount() - 1;
    if (last < 0) {
        flops_panel_->setSubtitle(tr("routed experts vs every expert"));
        bytes_panel_->setSubtitle(tr("weights touched per token, summed"));
        kv_panel_->setSubtitle(tr("bytes cached after each token"));
        return;
    }
    auto percent = [this, last](int used, int dense) {
        const double d = savings_model_->value(last, dense);
        return QString::number(d > 0 ? 100.0 * savings_model_->value(last, used) / d : 0.0, 'f', 1);
    };
    flops_panel_->setSubtitle(tr("%1% of dense FLOPs so far (attention included)").arg(percent(SavingsModel::CumFlopsUsedColumn, SavingsModel::CumFlopsDenseColumn)));
    bytes_panel_->setSubtitle(tr("%1% of dense weight bytes so far").arg(percent(SavingsModel::CumBytesUsedColumn, SavingsModel::CumBytesDenseColumn)));
    // In the chart's unit, which suits the larger of the two lines.
    const double kv = savings_model_->value(last, SavingsModel::KvBytesColumn);
    const double kv_top = std::max(kv, savings_model_->value(last, SavingsModel::KvBytesFullColumn));
    kv_panel_->setSubtitle(tr("%1 cached, %2% of full multi-head K/V")
                               .arg(formatBytesAs(kv, kv_top),
                                    percent(SavingsModel::KvBytesColumn, SavingsModel::KvBytesFullColumn)));
}

}  // namespace moe::gui
