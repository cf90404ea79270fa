// Item models over the newest AnalysisSnapshot, for the Analysis page. Each resets when a new
// analysis arrives or the selection it depends on changes; ValueRole holds the raw number.
#pragma once

#include <QAbstractTableModel>

#include <memory>

#include "gui_private/analysis_runner.h"
#include "gui_private/routing_models.h"

namespace moe::gui {

// Base: follows an AnalysisSource's snapshots and the store's selection.
class AnalysisModel : public QAbstractTableModel {
    Q_OBJECT
public:
    AnalysisModel(AnalysisSource* source, TraceStore* store, QObject* parent = nullptr);
    // The selected MoE layer's report, or null.
    const moe::analysis::LayerReport* layerReport() const;

protected:
    void refresh();  // a full reset (the tables are small), calling rebuild() inside it
    virtual void rebuild() {}  // derived rows, from snapshot_ and the selection
    std::shared_ptr<const AnalysisSnapshot> snapshot_;
    TraceStore* store_;
};

// One row per MoE layer: the balance and repetition metrics beside their random baselines.
class LayerStatsModel : public AnalysisModel {
    Q_OBJECT
public:
    enum Column { LayerColumn, TokensColumn, CvColumn, EntropyColumn, MaxVioColumn, DeadColumn, RepeatTop1Column,
                  RepeatTop1RandomColumn, RepeatAnyColumn, RepeatAnyRandomColumn, NextLayerMiColumn, ColumnCount };
    using AnalysisModel::AnalysisModel;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
};

// The selected layer's expert × expert matrix: co-activation P(j | i), or the rank-0
// transition to the next MoE layer P(next = j | here = i). Tooltips give the counts.
class ExpertMatrixModel : public AnalysisModel, public HeatmapRows {
    Q_OBJECT
public:
    enum class Kind { Coactivation, Transition };
    ExpertMatrixModel(Kind kind, AnalysisSource* source, TraceStore* store, QObject* parent = nullptr);
    int rowCount(const QModelIndex& parent = {}) const override;  // 0 without data (or no next layer)
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    void readRow(int row, double* values, bool* chosen) const override;
    int64_t count(int i, int j) const;  // tokens with both (co-activation) or i -> j (transition)
    int64_t rowTotal(int i) const;      // load of i, or tokens with rank-0 i here

private:
    double value(int i, int j) const;
    Kind kind_;
};

// The selected expert in every MoE layer: load, share and rank (1 = busiest, ties to the lower id).
class ExpertLayersModel : public AnalysisModel {
    Q_OBJECT
public:
    enum Column { LayerColumn, LoadColumn, ShareColumn, RankColumn, ColumnCount };
    using AnalysisModel::AnalysisModel;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    static int rank(const moe::analysis::CountVector& load, int expert);
};

// The selected expert's top input tokens in the selected layer, by count and by consistency.
class ExpertTokensModel : public AnalysisModel {
    Q_OBJECT
public:
    enum Column { ByCountColumn, CountColumn, ByConsistencyColumn, ConsistencyColumn, ColumnCount };
    using AnalysisModel::AnalysisModel;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    const moe::analysis::TokenRankings* rankings() const;
};

// Every token the selected expert handled in the selected layer, newest first, with a few
// tokens of context either side (never across a sequence boundary).
class ExpertOccurrenceModel : public AnalysisModel {
    Q_OBJECT
public:
    enum Role { TokenIndexRole = Qt::UserRole + 20, BeforeRole, TokenTextRole, AfterRole };
    static constexpr int kContext = 4;
    static constexpr int kMaxRows = 2000;
    ExpertOccurrenceModel(AnalysisSource* source, TraceStore* store, QObject* parent = nullptr);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    int occurrenceCount() const { return total_; }

private:
    void rebuild() override;
    QString text(size_t token) const;
    std::vector<int> rows_;  // token indices
    int total_ = 0;
};

// A table model as CSV: the header row, then each row's ValueRole (numbers) or text, RFC 4180 quoted.
std::string tableCsv(const QAbstractItemModel& model);

}  // namespace moe::gui
