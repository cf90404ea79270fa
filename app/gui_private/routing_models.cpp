#include "gui_private/routing_models.h"

#include <QPoint>
#include <QStringDecoder>

#include <algorithm>
#include <cmath>

#include "gui_private/trace_store.h"

namespace moe::gui {

double sharedExpertValue(const moe::LayerRouting& routing) {
    return std::isnan(routing.shared_gate) ? 1.0 : routing.shared_gate;
}

double routedExpertValue(const moe::LayerRouting& routing, int expert, RoutingValue kind, bool* chosen) {
    const auto it = std::find(routing.experts.begin(), routing.experts.end(), expert);
    const bool picked = it != routing.experts.end();
    if (chosen) *chosen = picked;
    if (kind == RoutingValue::Probability) {
        return expert < static_cast<int>(routing.probs.size()) ? routing.probs[static_cast<size_t>(expert)] : 0.0;
    }
    if (!picked) return 0.0;
    if (routing.weights.empty()) return 1.0;  // an imported trace with only the chosen ids
    const auto rank = static_cast<size_t>(it - routing.experts.begin());
    return rank < routing.weights.size() ? routing.weights[rank] : 0.0;
}

QString expertColumnName(int column, int n_expert) {
    return column < n_expert ? QStringLiteral("E%1").arg(column) : QStringLiteral("S%1").arg(column - n_expert);
}

namespace {

QString formatValue(double v) { return QString::number(v, 'g', 6); }

// Value, chosen flag, display text and tooltip of one routing cell (routed or shared expert).
QVariant routingCell(const TraceStore& store, const moe::LayerRouting* routing, int column,
                     RoutingValue kind, int role, const QString& where) {
    if (!routing) return role == ValueRole ? QVariant(0.0) : QVariant();
    const int n_expert = store.expertCount();
    bool chosen = true;
    const double value = column < n_expert ? routedExpertValue(*routing, column, kind, &chosen)
                                           : sharedExpertValue(*routing);
    switch (role) {
    case ValueRole: return value;
    case ChosenRole: return chosen;
    case Qt::DisplayRole: return formatValue(value);
    case Qt::ToolTipRole: {
        QString tip = QStringLiteral("%1, expert %2\n").arg(where, expertColumnName(column, n_expert));
        if (column >= n_expert) {
            tip += std::isnan(routing->shared_gate)
                       ? QObject::tr("shared expert: always active, weight 1")
                       : QObject::tr("shared expert gate: %1").arg(formatValue(routing->shared_gate));
            return tip;
        }
        const auto e = static_cast<size_t>(column);
        if (e < routing->probs.size()) tip += QObject::tr("probability: %1\n").arg(formatValue(routing->probs[e]));
        if (e < routing->scores.size()) tip += QObject::tr("selection score: %1\n").arg(formatValue(routing->scores[e]));
        const auto it = std::find(routing->experts.begin(), routing->experts.end(), column);
        if (it != routing->experts.end()) {
            const auto rank = static_cast<size_t>(it - routing->experts.begin());
            tip += QObject::tr("chosen, rank %1, weight %2").arg(rank).arg(
                formatValue(rank < routing->weights.size() ? routing->weights[rank] : 0.0));
        } else {
            tip += QObject::tr("not chosen");
        }
        return tip;
    }
    default: return {};
    }
}

void readRoutingRow(const TraceStore& store, const moe::LayerRouting* routing, RoutingValue kind, double* values,
                    bool* chosen) {
    const int n_expert = store.expertCount();
    const int n_columns = n_expert + store.sharedExpertCount();
    if (!routing) {
        std::fill(values, values + n_columns, 0.0);
        std::fill(chosen, chosen + n_columns, false);
        return;
    }
    for (int e = 0; e < n_expert; ++e) {
        const size_t i = static_cast<size_t>(e);
        values[i] = kind == RoutingValue::Probability && i < routing->probs.size() ? routing->probs[i] : 0.0;
        chosen[i] = false;
    }
    for (size_t rank = 0; rank < routing->experts.size(); ++rank) {
        const int e = routing->experts[rank];
        if (e < 0 || e >= n_expert) continue;
        chosen[e] = true;
        if (kind == RoutingValue::Weight && rank < routing->weights.size()) values[e] = routing->weights[rank];
    }
    for (int c = n_expert; c < n_columns; ++c) {
        values[c] = sharedExpertValue(*routing);
        chosen[c] = true;
    }
}

QString tokenLabel(const TraceStore& store, int token) {
    const auto& t = store.token(token);
    return QObject::tr("token %1 “%2” (pos %3)")
        .arg(t.step).arg(TokenListModel::displayText(t.text)).arg(t.pos);
}

}  // namespace

StoreModel::StoreModel(TraceStore* store, QObject* parent) : QAbstractTableModel(parent), store_(store) {
    connect(store, &TraceStore::aboutToReset, this, [this] { beginResetModel(); });
    connect(store, &TraceStore::resetDone, this, [this] {
        rebuild();
        endResetModel();
    });
}

void StoreModel::refreshAll() {
    if (rowCount() > 0 && columnCount() > 0) {
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
    }
}

TokenRowsModel::TokenRowsModel(TraceStore* store, QObject* parent) : StoreModel(store, parent) {
    connect(store, &TraceStore::tokensAboutToBeAppended, this,
            [this](int first, int last) { beginInsertRows({}, first, last); });
    connect(store, &TraceStore::tokensAppended, this, [this](int first, int last) {
        tokensAdded(first, last);
        endInsertRows();
    });
}

int TokenRowsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : store_->tokenCount();
}

// --- TokenListModel ---------------------------------------------------------------------------

TokenListModel::TokenListModel(TraceStore* store, QObject* parent) : TokenRowsModel(store, parent) {
    connect(store, &TraceStore::selectedLayerChanged, this, [this] {
        Q_EMIT headerDataChanged(Qt::Horizontal, TopExpertColumn, TopWeightColumn);  // they name the layer
        if (rowCount() > 0) Q_EMIT dataChanged(index(0, TopExpertColumn), index(rowCount() - 1, TopWeightColumn));
    });
}

int TokenListModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QString TokenListModel::displayText(const std::string& raw) {
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString text = utf8(QByteArrayView(raw.data(), static_cast<qsizetype>(raw.size())));
    if (utf8.hasError()) {
        // A byte-fallback piece of a multi-byte character: show its bytes, not U+FFFD.
        text.clear();
        for (unsigned char c : raw) {
            text += c < 0x80 ? QString(QLatin1Char(static_cast<char>(c)))
                             : QStringLiteral("\\x") + QString::number(c, 16).toUpper().rightJustified(2, QLatin1Char('0'));
        }
    }
    text.replace(QLatin1Char('\n'), QChar(0x21B5));  // ↵
    text.replace(QLatin1Char('\t'), QChar(0x2192));  // →
    text.replace(QLatin1Char('\r'), QString());
    text.replace(QLatin1Char(' '), QChar(0x00B7));   // ·
    return text;
}

QString TokenListModel::routingSummary(int token, int moe_layer) const {
    const auto* r = store_->routing(token, moe_layer);
    QString tip = tokenLabel(*store_, token) + QLatin1Char('\n');
    tip += QObject::tr("id %1, %2").arg(store_->token(token).token_id)
               .arg(store_->token(token).is_prompt ? tr("prompt") : tr("generated"));
    if (!r) return tip;
    tip += QObject::tr("\nlayer %1 routing:").arg(store_->blockOfMoeLayer(moe_layer));
    for (size_t rank = 0; rank < r->experts.size(); ++rank) {
        const int e = r->experts[rank];
        tip += QStringLiteral("\n  E%1  weight %2  prob %3")
                   .arg(e)
                   .arg(formatValue(rank < r->weights.size() ? r->weights[rank] : 0.0))
                   .arg(formatValue(e < static_cast<int>(r->probs.size()) ? r->probs[static_cast<size_t>(e)] : 0.0));
    }
    return tip;
}

QVariant TokenListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
    const int row = index.row();
    const auto& t = store_->token(row);
    const int layer = store_->selectedLayer();
    if (role == IsPromptRole) return t.is_prompt;
    if (role == TopExpertRole) return store_->topExpert(row, layer);
    if (role == ExpertCellRole) {
        const int top = store_->topExpert(row, layer);
        const bool names_expert = index.column() == TopExpertColumn || index.column() == TopWeightColumn;
        return names_expert && top >= 0 && top < store_->expertCount() ? QVariant(QPoint(layer, top)) : QVariant();
    }
    if (role == Qt::ToolTipRole) return routingSummary(row, layer);
    if (role == Qt::TextAlignmentRole) {
        const bool text = index.column() == TextColumn || index.column() == KindColumn;
        return QVariant::fromValue(Qt::AlignVCenter | (text ? Qt::AlignLeft : Qt::AlignRight));
    }
    if (role != Qt::DisplayRole && role != ValueRole) return {};
    const auto* r = store_->routing(row, layer);
    switch (index.column()) {
    case StepColumn: return t.step;
    case PosColumn: return t.pos;
    case TokenIdColumn: return t.token_id;
    case TextColumn: return displayText(t.text);
    case KindColumn: return t.is_prompt ? tr("prompt") : tr("output");
    case TopExpertColumn:
        // Named as the heatmaps name it (E13); sorted by number.
        if (!r || r->experts.empty()) return {};
        return role == ValueRole ? QVariant(r->experts.front()) : QVariant(expertColumnName(r->experts.front(), store_->expertCount()));
    case TopWeightColumn:
        if (!r || r->weights.empty()) return {};
        return role == ValueRole ? QVariant(static_cast<double>(r->weights.front()))
                                 : QVariant(QString::number(r->weights.front(), 'f', 3));
    case TimeColumn: return role == ValueRole ? QVariant(t.total_ms) : QVariant(QString::number(t.total_ms, 'f', 2));
    default: return {};
    }
}

QVariant TokenListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    if (store_->moeLayerCount() > 0 && (section == TopExpertColumn || section == TopWeightColumn)) {
        const int block = store_->blockOfMoeLayer(store_->selectedLayer());
        return section == TopExpertColumn ? tr("Top expert (layer %1)").arg(block) : tr("Top weight (layer %1)").arg(block);
    }
    static const char* names[] = {QT_TR_NOOP("Step"), QT_TR_NOOP("Pos"), QT_TR_NOOP("Token id"), QT_TR_NOOP("Text"),
                                  QT_TR_NOOP("Kind"), QT_TR_NOOP("Top expert"), QT_TR_NOOP("Top weight"),
                                  QT_TR_NOOP("Time (ms)")};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

// --- TokenExpertModel -------------------------------------------------------------------------

TokenExpertModel::TokenExpertModel(TraceStore* store, QObject* parent) : TokenRowsModel(store, parent) {
    connect(store, &TraceStore::selectedLayerChanged, this, [this] { refreshAll(); });
}

void TokenExpertModel::setValueKind(RoutingValue kind) {
    if (kind == kind_) return;
    kind_ = kind;
    refreshAll();
}

int TokenExpertModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : store_->expertCount() + store_->sharedExpertCount();
}

namespace {

// ExpertCellRole: routed experts only (shared-expert columns cannot be disabled).
QVariant expertCell(const TraceStore& store, int moe_layer, int column) {
    return column < store.expertCount() ? QVariant(QPoint(moe_layer, column)) : QVariant();
}

}  // namespace

QVariant TokenExpertModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
    const int layer = store_->selectedLayer();
    if (role == ExpertCellRole) return expertCell(*store_, layer, index.column());
    const auto* r = store_->routing(index.row(), layer);
    const QString where = role == Qt::ToolTipRole
                              ? tokenLabel(*store_, index.row()) + QObject::tr(", layer %1").arg(store_->blockOfMoeLayer(layer))
                              : QString();
    return routingCell(*store_, r, index.column(), kind_, role, where);
}

void TokenExpertModel::readRow(int row, double* values, bool* chosen) const {
    readRoutingRow(*store_, store_->routing(row, store_->selectedLayer()), kind_, values, chosen);
}

QVariant TokenExpertModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (role != Qt::DisplayRole) return {};
    if (orientation == Qt::Horizontal) return expertColumnName(section, store_->expertCount());
    if (section < 0 || section >= rowCount()) return {};
    return TokenListModel::displayText(store_->token(section).text);
}

// --- LayerExpertModel -------------------------------------------------------------------------

LayerExpertModel::LayerExpertModel(TraceStore* store, QObject* parent) : StoreModel(store, parent) {
    connect(store, &TraceStore::selectedTokenChanged, this, [this] {
        if ((store_->selectedToken() >= 0) == has_token_) return refreshAll();
        beginResetModel();  // the first token: rows appear
        rebuild();
        endResetModel();
    });
    rebuild();
}

void LayerExpertModel::rebuild() { has_token_ = store_->selectedToken() >= 0; }

void LayerExpertModel::setValueKind(RoutingValue kind) {
    if (kind == kind_) return;
    kind_ = kind;
    refreshAll();
}

int LayerExpertModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !has_token_ ? 0 : store_->moeLayerCount();
}

int LayerExpertModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : store_->expertCount() + store_->sharedExpertCount();
}

QVariant LayerExpertModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
    if (role == ExpertCellRole) return expertCell(*store_, index.row(), index.column());
    const int token = store_->selectedToken();
    const auto* r = store_->routing(token, index.row());
    const QString where = role == Qt::ToolTipRole && token >= 0
                              ? tokenLabel(*store_, token) + QObject::tr(", layer %1").arg(store_->blockOfMoeLayer(index.row()))
                              : QString();
    return routingCell(*store_, r, index.column(), kind_, role, where);
}

void LayerExpertModel::readRow(int row, double* values, bool* chosen) const {
    readRoutingRow(*store_, store_->routing(store_->selectedToken(), row), kind_, values, chosen);
}

QVariant LayerExpertModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (role != Qt::DisplayRole) return {};
    if (orientation == Qt::Horizontal) return expertColumnName(section, store_->expertCount());
    if (section < 0 || section >= rowCount()) return {};
    return QStringLiteral("L%1").arg(store_->blockOfMoeLayer(section));
}

// --- ExpertLoadModel --------------------------------------------------------------------------

ExpertLoadModel::ExpertLoadModel(TraceStore* store, QObject* parent) : StoreModel(store, parent) {
    connect(store, &TraceStore::tokensAppended, this, [this] {
        if ((store_->routedTokenCount() > 0) == has_tokens_) return refreshAll();
        beginResetModel();  // the first routed token: rows appear
        rebuild();
        endResetModel();
    });
    rebuild();
}

void ExpertLoadModel::rebuild() { has_tokens_ = store_->routedTokenCount() > 0; }

void ExpertLoadModel::setMeasure(Measure measure) {
    if (measure == measure_) return;
    measure_ = measure;
    refreshAll();
}

int ExpertLoadModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !has_tokens_ ? 0 : store_->moeLayerCount();
}

int ExpertLoadModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : store_->expertCount(); }

QVariant ExpertLoadModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
    const int count = store_->expertLoad(index.row(), index.column());
    const int total = store_->routedTokenCount();
    const double share = total > 0 ? double(count) / total : 0.0;
    switch (role) {
    case ExpertCellRole: return expertCell(*store_, index.row(), index.column());
    case ValueRole: return measure_ == Measure::Count ? double(count) : share;
    case Qt::DisplayRole: return measure_ == Measure::Count ? QString::number(count) : formatValue(share);
    case Qt::ToolTipRole:
        return tr("layer %1, expert E%2\nchosen by %3 of %4 tokens (%5%)")
            .arg(store_->blockOfMoeLayer(index.row())).arg(index.column()).arg(count).arg(total)
            .arg(QString::number(share * 100, 'f', 2));
    default: return {};
    }
}

void ExpertLoadModel::readRow(int row, double* values, bool* chosen) const {
    const int total = store_->routedTokenCount();
    for (int e = 0; e < columnCount(); ++e) {
        const int count = store_->expertLoad(row, e);
        values[e] = measure_ == Measure::Count ? count : total > 0 ? double(count) / total : 0.0;
        chosen[e] = false;
    }
}

QVariant ExpertLoadModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (role != Qt::DisplayRole) return {};
    if (orientation == Qt::Horizontal) return QStringLiteral("E%1").arg(section);
    if (section < 0 || section >= rowCount()) return {};
    return QStringLiteral("L%1").arg(store_->blockOfMoeLayer(section));
}

}  // namespace moe::gui
