#include "gui_private/timing_models.h"

#include "gui_private/trace_store.h"

#include <algorithm>

namespace moe::gui {

namespace {
QVariant numberCell(double v, int role, char format = 'g', int precision = 6) {
    if (role == ValueRole) return v;
    if (role == Qt::DisplayRole) return QString::number(v, format, precision);
    return {};
}

QVariant columnHeader(int section, Qt::Orientation orientation, int role, std::initializer_list<const char*> names) {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    if (section < 0 || section >= static_cast<int>(names.size())) return {};
    return QObject::tr(names.begin()[section]);
}
}  // namespace

// --- LatencyModel -----------------------------------------------------------------------------

LatencyModel::LatencyModel(TraceStore* store, QObject* parent) : TokenRowsModel(store, parent) {}

int LatencyModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant LatencyModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
    const auto& t = store_->token(index.row());
    if (role == IsPromptRole) return t.is_prompt;
    switch (index.column()) {
    case StepColumn: return numberCell(t.step, role);
    case PosColumn: return numberCell(t.pos, role);
    case KindColumn:
        if (role == Qt::DisplayRole) return t.is_prompt ? tr("prefill") : tr("decode");
        return role == ValueRole ? QVariant(t.is_prompt ? 0.0 : 1.0) : QVariant();
    case TotalMsColumn: return numberCell(t.total_ms, role);
    default: return {};
    }
}

QVariant LatencyModel::headerData(int section, Qt::Orientation orientation, int role) const {
    return columnHeader(section, orientation, role, {"Step", "Pos", "Phase", "Time (ms)"});
}

// --- LayerTimeModel ---------------------------------------------------------------------------

LayerTimeModel::LayerTimeModel(TraceStore* store, QObject* parent) : StoreModel(store, parent) {
    connect(store, &TraceStore::tokensAppended, this, [this](int first, int last) {
        accumulate(first, last);
        refreshAll();
    });
    connect(store, &TraceStore::selectedTokenChanged, this, [this] { refreshAll(); });
    rebuild();
}

void LayerTimeModel::rebuild() {
    prefill_.assign(static_cast<size_t>(rowCount()), {});
    decode_ = prefill_;
    accumulate(0, store_->tokenCount() - 1);
}

void LayerTimeModel::accumulate(int first, int last) {
    for (int i = first; i <= last; ++i) {
        const auto& t = store_->token(i);
        auto& times = t.is_prompt ? prefill_ : decode_;
        for (size_t l = 0; l < t.layer_time_ms.size() && l < times.size(); ++l) times[l].push_back(t.layer_time_ms[l]);
    }
}

int LayerTimeModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : store_->layerCount(); }

int LayerTimeModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant LayerTimeModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
    const auto layer = static_cast<size_t>(index.row());
    // Quantile q by linear interpolation between the order statistics (R's type 7).
    auto quantile = [&](const std::vector<std::vector<double>>& times, double q) {
        if (layer >= times.size() || times[layer].empty()) return 0.0;
        std::vector<double> v = times[layer];
        std::sort(v.begin(), v.end());
        const double h = q * static_cast<double>(v.size() - 1);
        const auto lo = static_cast<size_t>(h);
        return lo + 1 < v.size() ? v[lo] + (h - static_cast<double>(lo)) * (v[lo + 1] - v[lo]) : v[lo];
    };
    switch (index.column()) {
    case LayerColumn: return numberCell(index.row(), role);
    case SelectedMsColumn: {
        const int token = store_->selectedToken();
        const auto& times = token >= 0 ? store_->token(token).layer_time_ms : std::vector<double>{};
        return numberCell(layer < times.size() ? times[layer] : 0.0, role);
    }
    case MedianPrefillMsColumn: return numberCell(quantile(prefill_, 0.5), role);
    case MedianDecodeMsColumn: return numberCell(quantile(decode_, 0.5), role);
    case DecodeP25MsColumn: return numberCell(quantile(decode_, 0.25), role);
    case DecodeP75MsColumn: return numberCell(quantile(decode_, 0.75), role);
    default: return {};
    }
}

QVariant LayerTimeModel::headerData(int section, Qt::Orientation orientation, int role) const {
    return columnHeader(section, orientation, role,
                        {"Layer", "Selected token (ms)", "Median prefill (ms)", "Median decode (ms)", "Decode 25th percentile (ms)",
                         "Decode 75th percentile (ms)"});
}

// --- SavingsModel -----------------------------------------------------------------------------

SavingsModel::SavingsModel(TraceStore* store, QObject* parent) : TokenRowsModel(store, parent) { rebuild(); }

void SavingsModel::rebuild() {
    cumulative_.clear();
    tokensAdded(0, store_->tokenCount() - 1);
}

void SavingsModel::tokensAdded(int first, int last) {
    for (int i = first; i <= last; ++i) {
        const auto& t = store_->token(i);
        std::array<double, 4> sum = cumulative_.empty() ? std::array<double, 4>{} : cumulative_.back();
        sum[0] += t.flops_used;
        sum[1] += t.flops_dense;
        sum[2] += t.weight_bytes_used;
        sum[3] += t.weight_bytes_dense;
        cumulative_.push_back(sum);
    }
}

int SavingsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

double SavingsModel::value(int row, int column) const {
    const auto& t = store_->token(row);
    const auto& cum = cumulative_[static_cast<size_t>(row)];
    auto percent = [](double used, double dense) { return dense > 0 ? 100.0 * used / dense : 0.0; };
    const auto cached_tokens = static_cast<double>(t.pos + 1);
    switch (column) {
    case StepColumn: return t.step;
    case FlopsUsedColumn: return t.flops_used;
    case FlopsDenseColumn: return t.flops_dense;
    case FlopsPercentColumn: return percent(t.flops_used, t.flops_dense);
    case BytesUsedColumn: return t.weight_bytes_used;
    case BytesDenseColumn: return t.weight_bytes_dense;
    case BytesPercentColumn: return percent(t.weight_bytes_used, t.weight_bytes_dense);
    case CumFlopsUsedColumn: return cum[0];
    case CumFlopsDenseColumn: return cum[1];
    case CumBytesUsedColumn: return cum[2];
    case CumBytesDenseColumn: return cum[3];
    case KvBytesColumn: return cached_tokens * static_cast<double>(store_->modelInfo().kv_bytes_per_token);
    case KvBytesFullColumn: return cached_tokens * static_cast<double>(store_->modelInfo().kv_bytes_per_token_mha);
    default: return 0.0;
    }
}

QVariant SavingsModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
    const bool percent = index.column() == FlopsPercentColumn || index.column() == BytesPercentColumn;
    return numberCell(value(index.row(), index.column()), role, percent ? 'f' : 'g', percent ? 2 : 6);
}

QVariant SavingsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    return columnHeader(section, orientation, role,
                        {"Step", "FLOPs used", "FLOPs dense", "FLOPs %", "Weight bytes used",
                         "Weight bytes dense", "Weight bytes %", "Total FLOPs used", "Total FLOPs dense",
                         "Total weight bytes used", "Total weight bytes dense", "KV cache bytes",
                         "KV cache bytes (full MHA)"});
}

}  // namespace moe::gui
