// Item models over the TraceStore. Views (heatmaps, token strip, tables, charts) read these;
// they never touch the engine. Numeric cells expose their raw value through ValueRole.
#pragma once

#include <QAbstractTableModel>

namespace moe {
struct LayerRouting;
}

namespace moe::gui {

class TraceStore;

enum ModelRole {
    ValueRole = Qt::UserRole + 1,  // double: the raw number behind a cell
    ChosenRole,                    // bool: the router picked this expert (shared experts always)
    TopExpertRole,                 // int: rank-0 expert of the token in the selected layer, -1 none
    IsPromptRole,                  // bool: the token belongs to the prompt
    ExpertCellRole,                // QPoint(MoE layer index, routed expert) of a cell; none for shared experts
};

// Which router number a routing heatmap shows.
enum class RoutingValue { Probability, Weight };

// Shared experts are extra columns after the routed ones: always active, weight 1 (or the
// qwen2moe shared gate when the trace has one).
double sharedExpertValue(const moe::LayerRouting& routing);
// Value of routed expert `expert`: its gating probability, or the applied weight (0 if unchosen).
double routedExpertValue(const moe::LayerRouting& routing, int expert, RoutingValue kind, bool* chosen);
QString expertColumnName(int column, int n_expert);

// Bulk access for heatmaps: a whole row of values and chosen flags without one QVariant per
// cell (a 4096-token layer switch reads 270k cells). Same numbers as ValueRole / ChosenRole.
class HeatmapRows {
public:
    virtual ~HeatmapRows() = default;
    // `values` and `chosen` hold columnCount() entries.
    virtual void readRow(int row, double* values, bool* chosen) const = 0;
};

// Base of every model here: follows the store's resets (a new model, run or opened session).
class StoreModel : public QAbstractTableModel {
    Q_OBJECT
public:
    explicit StoreModel(TraceStore* store, QObject* parent = nullptr);
    TraceStore* store() const { return store_; }

protected:
    // Recomputes derived caches after the store swapped in a new document, before views see it.
    virtual void rebuild() {}
    // Emits dataChanged over the whole table (the shape is unchanged).
    void refreshAll();
    TraceStore* store_;
};

// Base of the models with one row per token: rows are inserted as the trace streams in.
class TokenRowsModel : public StoreModel {
    Q_OBJECT
public:
    explicit TokenRowsModel(TraceStore* store, QObject* parent = nullptr);
    int rowCount(const QModelIndex& parent = {}) const override;

protected:
    // Called after rows [first, last] were inserted, before views see them.
    virtual void tokensAdded(int first, int last) { Q_UNUSED(first) Q_UNUSED(last) }
};

// One row per evaluated token (prompt first): step, position, id, text, kind, top expert, time.
class TokenListModel : public TokenRowsModel {
    Q_OBJECT
public:
    enum Column { StepColumn, PosColumn, TokenIdColumn, TextColumn, KindColumn, TopExpertColumn,
                  TopWeightColumn, TimeColumn, ColumnCount };
    explicit TokenListModel(TraceStore* store, QObject* parent = nullptr);
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // Human-readable token text: control characters and whitespace made visible.
    static QString displayText(const std::string& raw);
    // Multi-line summary of a token's routing in one MoE layer, for tooltips.
    QString routingSummary(int token, int moe_layer) const;
};

// Token × expert for the selected layer: rows are tokens, columns routed then shared experts.
class TokenExpertModel : public TokenRowsModel, public HeatmapRows {
    Q_OBJECT
public:
    void readRow(int row, double* values, bool* chosen) const override;
    explicit TokenExpertModel(TraceStore* store, QObject* parent = nullptr);
    void setValueKind(RoutingValue kind);
    RoutingValue valueKind() const { return kind_; }
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    RoutingValue kind_ = RoutingValue::Probability;
};

// MoE layer × expert for the selected token (the newest one while following).
class LayerExpertModel : public StoreModel, public HeatmapRows {
    Q_OBJECT
public:
    void readRow(int row, double* values, bool* chosen) const override;
    explicit LayerExpertModel(TraceStore* store, QObject* parent = nullptr);
    void setValueKind(RoutingValue kind);
    RoutingValue valueKind() const { return kind_; }
    int rowCount(const QModelIndex& parent = {}) const override;  // 0 until there is a token
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    void rebuild() override;
    RoutingValue kind_ = RoutingValue::Probability;
    bool has_token_ = false;
};

// MoE layer × routed expert: how many tokens of the session chose each expert, or the share.
class ExpertLoadModel : public StoreModel, public HeatmapRows {
    Q_OBJECT
public:
    void readRow(int row, double* values, bool* chosen) const override;
    enum class Measure { Count, Share };
    explicit ExpertLoadModel(TraceStore* store, QObject* parent = nullptr);
    void setMeasure(Measure measure);
    Measure measure() const { return measure_; }
    int rowCount(const QModelIndex& parent = {}) const override;  // 0 until a token was routed
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    void rebuild() override;
    bool has_tokens_ = false;
    Measure measure_ = Measure::Count;
};

}  // namespace moe::gui
