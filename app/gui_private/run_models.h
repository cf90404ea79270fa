// Item models over the session's run history: the runs themselves (for the pickers), one
// what-if run position by position, and the comparison of two runs (per-layer agreement, and
// the token-aligned diff of one layer as an image).
#pragma once

#include <QAbstractTableModel>
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
// agreement and Jaccard (ValueRole: 0..1), over the tokens before the first divergence.
class RunComparisonModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { LayerColumn, SetColumn, Top1Column, JaccardColumn, ColumnCount };
    explicit RunComparisonModel(TraceStore* store, QObject* parent = nullptr);
    void setRuns(int a, int b);
    int runA() const { return a_; }
    int runB() const { return b_; }
    bool valid() const { return valid_; }
    QString problem() const { return problem_; }  // why two runs cannot be compared
    const moe::analysis::RunComparison& comparison() const { return comparison_; }
    // The diff of MoE layer `layer` (index), or an empty one when not valid.
    moe::analysis::LayerDiff diff(int layer) const;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    void recompute();
    TraceStore* store_;
    int a_ = -1, b_ = -1;
    bool valid_ = false;
    QString problem_;
    moe::analysis::RunComparison comparison_;
};

// The colours of the diff heatmap, shared by the image, its legend and the exports.
QColor membershipColor(moe::analysis::Membership m);
// One pixel per (token, expert): tokens along x, experts along y.
QImage diffImage(const moe::analysis::LayerDiff& diff);

}  // namespace moe::gui
