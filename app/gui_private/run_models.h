// Item models over the session's run history: the runs themselves (for the pickers), one
// what-if run position by position, and the comparison of two runs (per-layer agreement, and
// the token-aligned diff of one layer as an image).
#pragma once

#include <QAbstractTableModel>
#include <QFutureWatcher>
#include <QImage>

#include "analysis/run_comparison.h"
#include "evaluation/run_record.h"

namespace moe::gui {

class TraceStore;

// "#2 what-if of #1 · top-1" / "#1 · The secret of…": how a run is named in pickers and titles.
QString runLabel(const std::vector<moe::RunRecord>& runs, int index);
// Token bytes made readable (spaces and newlines visible), or "#id" when the run lacks them.
QString runTokenText(const moe::RunRecord& run, int32_t id);

class RunListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { LabelColumn, KindColumn, OverridesColumn, TokensColumn, ModelColumn, ColumnCount };
    explicit RunListModel(TraceStore* store, QObject* parent = nullptr);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    TraceStore* store_;
    int rows_ = 0;
};

// One what-if run, a row per evaluated position; follows the newest what-if unless a run is
// picked. ValueRole gives the raw numbers (KL in nats, Δ log p, FLOPs, bytes).
class WhatIfModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { PosColumn, TokenColumn, NextColumn, KlColumn, DeltaColumn, GreedyColumn, RoutingColumn,
                  FlopsColumn, BytesColumn, ColumnCount };
    explicit WhatIfModel(TraceStore* store, QObject* parent = nullptr);
    void showRun(int index);  // -1: follow the newest what-if
    int run() const { return run_; }
    const moe::RunRecord* record() const;
    moe::WhatIfSummary summary() const;
    // "mean KL 0.0123 nats · greedy changed at 2 of 18 positions (11.1 %) · FLOPs saved …"
    QString summaryLine() const;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    void refresh();
    TraceStore* store_;
    int picked_ = -1;
    int run_ = -1;
};

// Two runs of the history side by side: a row per MoE layer with set agreement, top-1
// agreement and Jaccard (ValueRole: 0..1), over the tokens before the first divergence, and the
// token-aligned diff of one MoE layer. Computed on the analysis pool: a request copies the two
// runs' routing tables (2 bytes per id) and returns at once; `computed` follows when the result
// of the newest request is in. A newer request supersedes an older one, whose result is dropped.
class RunComparisonModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { LayerColumn, SetColumn, Top1Column, JaccardColumn, ColumnCount };
    explicit RunComparisonModel(TraceStore* store, QObject* parent = nullptr);
    ~RunComparisonModel() override;  // waits for a running job
    // Compare history runs a and b, with the diff of MoE layer `layer` (index).
    void setRuns(int a, int b, int layer = 0);
    void setLayer(int layer);
    int runA() const { return a_; }
    int runB() const { return b_; }
    int layer() const { return layer_; }
    bool isBusy() const { return watcher_.isRunning(); }
    // What the newest result says: until it is in, the previous request's.
    bool valid() const { return result_.valid; }
    QString problem() const { return result_.problem; }  // why two runs cannot be compared
    const moe::analysis::RunComparison& comparison() const { return result_.comparison; }
    // The diff of the requested layer, or an empty one when not valid.
    const moe::analysis::LayerDiff& diff() const { return result_.diff; }
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    struct Result {
        bool valid = false;
        QString problem;
        moe::analysis::RunComparison comparison;
        moe::analysis::LayerDiff diff;
    };

Q_SIGNALS:
    void computed();

private:
    struct Request {
        int a = -1, b = -1, layer = 0, history = 0;  // history: bumped whenever the runs change
        bool operator==(const Request&) const = default;
    };
    void onRunsChanged();
    void request();  // the wanted comparison: started now, or once the running one is done
    void onFinished();
    void apply(Result result);

    TraceStore* store_;
    int a_ = -1, b_ = -1, layer_ = 0, history_ = 0;
    Request running_;
    QFutureWatcher<Result> watcher_;
    Result result_;
};

// The colours of the diff heatmap, shared by the image, its legend and the exports.
QColor membershipColor(moe::analysis::Membership m);
// One pixel per (token, expert): tokens along x, experts along y.
QImage diffImage(const moe::analysis::LayerDiff& diff);

}  // namespace moe::gui
