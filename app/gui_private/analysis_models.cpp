#include "gui_private/analysis_models.h"

#include <algorithm>
#include <cmath>

#include "gui_private/trace_store.h"

namespace moe::gui {

namespace {
QVariant number(double v, int decimals) {
    return std::isnan(v) ? QVariant(QStringLiteral("–")) : QVariant(QString::number(v, 'f', decimals));
}
QVariant raw(double v) { return std::isnan(v) ? QVariant() : QVariant(v); }
}  // namespace

AnalysisModel::AnalysisModel(AnalysisSource* source, TraceStore* store, QObject* parent)
    : QAbstractTableModel(parent), store_(store) {
    connect(source, &AnalysisSource::updated, this, [this, source] {
        beginResetModel();
        snapshot_ = source->snapshot();
        rebuild();
        endResetModel();
    });
    connect(store_, &TraceStore::selectedLayerChanged, this, &AnalysisModel::refresh);
    connect(store_, &TraceStore::selectedExpertChanged, this, &AnalysisModel::refresh);
    snapshot_ = source->snapshot();
}

void AnalysisModel::refresh() {
    beginResetModel();
    rebuild();
    endResetModel();
}

const moe::analysis::LayerReport* AnalysisModel::layerReport() const {
    const int l = store_->selectedLayer();
    if (!snapshot_ || l < 0 || l >= static_cast<int>(snapshot_->report.layers.size())) return nullptr;
    return &snapshot_->report.layers[static_cast<size_t>(l)];
}

// --- per-layer table --------------------------------------------------------------------------

int LayerStatsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !snapshot_ ? 0 : static_cast<int>(snapshot_->report.layers.size());
}

int LayerStatsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant LayerStatsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || (role != Qt::DisplayRole && role != ValueRole && role != Qt::TextAlignmentRole)) return {};
    if (role == Qt::TextAlignmentRole) return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    const auto& r = snapshot_->report.layers[static_cast<size_t>(index.row())];
    double v = 0;
    int decimals = 3;
    switch (index.column()) {
        case LayerColumn: v = r.layer; decimals = 0; break;
        case TokensColumn: v = static_cast<double>(r.tokens); decimals = 0; break;
        case CvColumn: v = r.cv; break;
        case EntropyColumn: v = r.entropy; break;
        case MaxVioColumn: v = r.max_vio; break;
        case DeadColumn: v = static_cast<double>(r.dead.size()); decimals = 0; break;
        case RepeatTop1Column: v = r.repeat_top1; break;
        case RepeatTop1RandomColumn: v = r.repeat_top1_random; break;
        case RepeatAnyColumn: v = r.repeat_any; break;
        case RepeatAnyRandomColumn: v = r.repeat_any_random; break;
        case NextLayerMiColumn: v = r.next_layer_mi_bits; break;
        default: return {};
    }
    return role == ValueRole ? raw(v) : number(v, decimals);
}

QVariant LayerStatsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    static const char* const names[] = {
        QT_TR_NOOP("Layer"), QT_TR_NOOP("Tokens"), QT_TR_NOOP("CV"), QT_TR_NOOP("Entropy"), QT_TR_NOOP("MaxVio"),
        QT_TR_NOOP("Dead"), QT_TR_NOOP("Repeat top-1"), QT_TR_NOOP("random"), QT_TR_NOOP("Repeat any"),
        QT_TR_NOOP("random "), QT_TR_NOOP("MI next (bits)")};
    static const char* const tips[] = {
        QT_TR_NOOP("Block index of the MoE layer"), QT_TR_NOOP("Tokens routed in this layer"),
        QT_TR_NOOP("Coefficient of variation of the expert load (0 = perfectly even)"),
        QT_TR_NOOP("Entropy of the load shares over ln N (1 = perfectly even)"),
        QT_TR_NOOP("(max load − mean load) / mean load (DeepSeek-V3's MaxVio)"),
        QT_TR_NOOP("Experts that no token chose"),
        QT_TR_NOOP("Share of consecutive tokens with the same rank-0 expert"),
        QT_TR_NOOP("What a random router gives: 1/N"),
        QT_TR_NOOP("Share of consecutive tokens sharing at least one expert"),
        QT_TR_NOOP("What a random router gives: 1 − C(N−k, k)/C(N, k)"),
        QT_TR_NOOP("Mutual information between the rank-0 expert here and at the next MoE layer")};
    if (section < 0 || section >= ColumnCount) return {};
    if (role == Qt::DisplayRole) return tr(names[section]).trimmed();
    if (role == Qt::ToolTipRole) return tr(tips[section]);
    return {};
}

// --- expert × expert matrices -----------------------------------------------------------------

ExpertMatrixModel::ExpertMatrixModel(Kind kind, AnalysisSource* source, TraceStore* store, QObject* parent)
    : AnalysisModel(source, store, parent), kind_(kind) {}

int ExpertMatrixModel::rowCount(const QModelIndex& parent) const {
    const auto* r = layerReport();
    if (parent.isValid() || !r) return 0;
    if (kind_ == Kind::Transition && r->next_layer_transitions.size() == 0) return 0;
    return static_cast<int>(r->load.size());
}

int ExpertMatrixModel::columnCount(const QModelIndex& parent) const { return rowCount(parent) > 0 ? rowCount(parent) : 0; }

int64_t ExpertMatrixModel::count(int i, int j) const {
    const auto* r = layerReport();
    if (kind_ == Kind::Transition) return r->next_layer_transitions(i, j);
    return static_cast<int64_t>(std::llround(r->coactivation(i, j) * static_cast<double>(r->load(i))));
}

int64_t ExpertMatrixModel::rowTotal(int i) const {
    const auto* r = layerReport();
    return kind_ == Kind::Transition ? r->next_layer_transitions.row(i).sum() : r->load(i);
}

double ExpertMatrixModel::value(int i, int j) const {
    if (kind_ == Kind::Coactivation) return layerReport()->coactivation(i, j);
    const int64_t total = rowTotal(i);
    return total > 0 ? static_cast<double>(count(i, j)) / static_cast<double>(total) : 0.0;
}

void ExpertMatrixModel::readRow(int row, double* values, bool* chosen) const {
    const int n = columnCount();
    for (int j = 0; j < n; ++j) {
        values[j] = value(row, j);
        chosen[j] = false;
    }
}

QVariant ExpertMatrixModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const int i = index.row(), j = index.column();
    switch (role) {
        case ValueRole:
        case Qt::DisplayRole: return value(i, j);
        case ChosenRole: return false;
        case Qt::ToolTipRole:
            if (kind_ == Kind::Coactivation) {
                return tr("E%1 and E%2 chosen together: %3 of the %4 tokens that chose E%1 (%5%)")
                    .arg(i).arg(j).arg(count(i, j)).arg(rowTotal(i)).arg(100.0 * value(i, j), 0, 'f', 1);
            }
            return tr("rank-0 E%1 here, E%2 at the next MoE layer: %3 of %4 tokens (%5%)")
                .arg(i).arg(j).arg(count(i, j)).arg(rowTotal(i)).arg(100.0 * value(i, j), 0, 'f', 1);
        default: return {};
    }
}

QVariant ExpertMatrixModel::headerData(int section, Qt::Orientation, int role) const {
    return role == Qt::DisplayRole ? QVariant(QStringLiteral("E%1").arg(section)) : QVariant();
}

// --- expert inspector -------------------------------------------------------------------------

int ExpertLayersModel::rank(const moe::analysis::CountVector& load, int expert) {
    int rank = 1;
    for (int e = 0; e < load.size(); ++e) {
        if (load(e) > load(expert) || (load(e) == load(expert) && e < expert)) ++rank;
    }
    return rank;
}

int ExpertLayersModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !snapshot_ ? 0 : static_cast<int>(snapshot_->report.layers.size());
}

int ExpertLayersModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ExpertLayersModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    if (role == Qt::TextAlignmentRole) return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != ValueRole) return {};
    const auto& r = snapshot_->report.layers[static_cast<size_t>(index.row())];
    const int e = store_->selectedExpert();
    if (e >= r.load.size()) return {};
    switch (index.column()) {
        case LayerColumn: return r.layer;
        case LoadColumn: return static_cast<qlonglong>(r.load(e));
        case ShareColumn:
            return role == ValueRole ? QVariant(r.share[static_cast<size_t>(e)])
                                     : QVariant(QStringLiteral("%1%").arg(100.0 * r.share[static_cast<size_t>(e)], 0, 'f', 1));
        case RankColumn: return role == ValueRole ? QVariant(rank(r.load, e))
                                                  : QVariant(tr("%1 of %2").arg(rank(r.load, e)).arg(r.load.size()));
        default: return {};
    }
}

QVariant ExpertLayersModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case LayerColumn: return tr("Layer");
        case LoadColumn: return tr("Load");
        case ShareColumn: return tr("Share");
        case RankColumn: return tr("Rank");
        default: return {};
    }
}

const moe::analysis::TokenRankings* ExpertTokensModel::rankings() const {
    const auto* r = layerReport();
    const auto e = static_cast<size_t>(store_->selectedExpert());
    return r && e < r->vocabulary.size() ? &r->vocabulary[e].input : nullptr;
}

int ExpertTokensModel::rowCount(const QModelIndex& parent) const {
    const auto* k = rankings();
    return parent.isValid() || !k ? 0 : static_cast<int>(std::max(k->by_count.size(), k->by_consistency.size()));
}

int ExpertTokensModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ExpertTokensModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || (role != Qt::DisplayRole && role != ValueRole)) return {};
    const auto* k = rankings();
    const bool by_count = index.column() <= CountColumn;
    const auto& list = by_count ? k->by_count : k->by_consistency;
    if (static_cast<size_t>(index.row()) >= list.size()) return {};
    const auto& s = list[static_cast<size_t>(index.row())];
    switch (index.column()) {
        case ByCountColumn:
        case ByConsistencyColumn:
            return s.text.empty() ? QStringLiteral("#%1").arg(s.token) : TokenListModel::displayText(s.text);
        case CountColumn: return static_cast<qlonglong>(s.count);
        case ConsistencyColumn:
            return role == ValueRole ? QVariant(s.consistency)
                                     : QVariant(tr("%1% (%2 of %3)").arg(100.0 * s.consistency, 0, 'f', 0).arg(s.count).arg(s.total));
        default: return {};
    }
}

QVariant ExpertTokensModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case ByCountColumn: return tr("Top by count");
        case CountColumn: return tr("Count");
        case ByConsistencyColumn: return tr("Top by consistency");
        case ConsistencyColumn: return tr("Consistency");
        default: return {};
    }
}

ExpertOccurrenceModel::ExpertOccurrenceModel(AnalysisSource* source, TraceStore* store, QObject* parent)
    : AnalysisModel(source, store, parent) {
    rebuild();
}

void ExpertOccurrenceModel::rebuild() {
    rows_.clear();
    total_ = 0;
    if (!snapshot_ || !layerReport()) return;
    const auto& table = *snapshot_->table;
    const int l = store_->selectedLayer();
    const auto expert = static_cast<moe::analysis::ExpertId>(store_->selectedExpert());
    for (size_t t = table.token_count(); t-- > 0;) {
        const moe::analysis::ExpertId* set = table.chosen(t, l);
        if (std::find(set, set + table.max_k, expert) == set + table.max_k) continue;
        ++total_;
        if (static_cast<int>(rows_.size()) < kMaxRows) rows_.push_back(static_cast<int>(t));
    }
}

int ExpertOccurrenceModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(rows_.size()); }

int ExpertOccurrenceModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : 1; }

QString ExpertOccurrenceModel::text(size_t token) const {
    const auto& table = *snapshot_->table;
    if (token < table.texts.size() && !table.texts[token].empty()) return TokenListModel::displayText(table.texts[token]);
    return QStringLiteral("#%1").arg(table.token_ids[token]);
}

QVariant ExpertOccurrenceModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || !snapshot_ || static_cast<size_t>(index.row()) >= rows_.size()) return {};
    const auto& table = *snapshot_->table;
    const auto t = static_cast<size_t>(rows_[static_cast<size_t>(index.row())]);
    auto context = [&](int from, int to) {  // tokens [t + from, t + to] of the same sequence
        QString out;
        for (int d = from; d <= to; ++d) {
            const auto u = static_cast<int64_t>(t) + d;
            if (u < 0 || u >= static_cast<int64_t>(table.token_count())) continue;
            if (table.sequences[static_cast<size_t>(u)] != table.sequences[t]) continue;
            out += text(static_cast<size_t>(u));
        }
        return out;
    };
    switch (role) {
        case TokenIndexRole: return static_cast<int>(t);
        case BeforeRole: return context(-kContext, -1);
        case TokenTextRole: return text(t);
        case AfterRole: return context(1, kContext);
        case Qt::DisplayRole: return context(-kContext, -1) + QStringLiteral(" [") + text(t) + QStringLiteral("] ") + context(1, kContext);
        case Qt::ToolTipRole: return tr("token %1 (position %2); click to select it in every view").arg(t).arg(table.positions[t]);
        default: return {};
    }
}

// --- CSV ----------------------------------------------------------------------------------------

std::string tableCsv(const QAbstractItemModel& model) {
    auto field = [](QString s) {
        if (s.contains(QLatin1Char(',')) || s.contains(QLatin1Char('"')) || s.contains(QLatin1Char('\n'))) {
            s.replace(QLatin1String("\""), QLatin1String("\"\""));
            s = QLatin1Char('"') + s + QLatin1Char('"');
        }
        return s;
    };
    QStringList lines, cells;
    for (int c = 0; c < model.columnCount(); ++c) cells << field(model.headerData(c, Qt::Horizontal, Qt::DisplayRole).toString());
    lines << cells.join(QLatin1Char(','));
    for (int r = 0; r < model.rowCount(); ++r) {
        cells.clear();
        for (int c = 0; c < model.columnCount(); ++c) {
            const QModelIndex i = model.index(r, c);
            const QVariant v = model.data(i, ValueRole);
            cells << field(v.isValid() && v.canConvert<double>() && v.typeId() != QMetaType::QString
                               ? QString::number(v.toDouble(), 'g', 9)
                               : model.data(i, Qt::DisplayRole).toString());
        }
        lines << cells.join(QLatin1Char(','));
    }
    return (lines.join(QLatin1Char('\n')) + QLatin1Char('\n')).toStdString();
}

}  // namespace moe::gui
