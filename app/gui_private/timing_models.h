// Item models behind the charts: per-token latency, per-layer time, compute savings.
#pragma once

#include <array>
#include <vector>

#include "gui_private/routing_models.h"

namespace moe::gui {

// One row per token: its wall time, prompt (prefill, a batch split evenly) or decode.
class LatencyModel : public TokenRowsModel {
    Q_OBJECT
public:
    enum Column { StepColumn, PosColumn, KindColumn, TotalMsColumn, ColumnCount };
    explicit LatencyModel(TraceStore* store, QObject* parent = nullptr);
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
};

// One row per block (dense ones too): time of the selected token and the mean over the
// prefill and decode tokens of the session.
class LayerTimeModel : public StoreModel {
    Q_OBJECT
public:
    // Medians, so one slow token (a page fault, another process) does not set the bar; the
    // decode quartiles give the spread.
    enum Column { LayerColumn, SelectedMsColumn, MedianPrefillMsColumn, MedianDecodeMsColumn, DecodeP25MsColumn,
                  DecodeP75MsColumn, ColumnCount };
    explicit LayerTimeModel(TraceStore* store, QObject* parent = nullptr);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    void rebuild() override;
    void accumulate(int first, int last);
    // (n_layer) lists of every token's time in that block.
    std::vector<std::vector<double>> prefill_, decode_;
};

// One row per token: FLOPs and weight bytes it used vs a dense model running every expert,
// running totals of both, and the KV cache held after it (latent vs full multi-head K/V).
class SavingsModel : public TokenRowsModel {
    Q_OBJECT
public:
    enum Column {
        StepColumn, FlopsUsedColumn, FlopsDenseColumn, FlopsPercentColumn,
        BytesUsedColumn, BytesDenseColumn, BytesPercentColumn,
        CumFlopsUsedColumn, CumFlopsDenseColumn, CumBytesUsedColumn, CumBytesDenseColumn,
        KvBytesColumn, KvBytesFullColumn, ColumnCount
    };
    explicit SavingsModel(TraceStore* store, QObject* parent = nullptr);
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    double value(int row, int column) const;

private:
    void rebuild() override;
    void tokensAdded(int first, int last) override;
    std::vector<std::array<double, 4>> cumulative_;  // (n_token) flops used/dense, bytes used/dense
};

}  // namespace moe::gui
