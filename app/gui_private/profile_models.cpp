#include "gui_private/profile_models.h"

#include <QPoint>

#include <cmath>

#include "gui_private/trace_store.h"

namespace moe::gui {

namespace {
QString percent(double share) { return QStringLiteral("%1%").arg(100.0 * share, 0, 'f', 1); }

const ProfileSnapshot* profileOf(const std::shared_ptr<const AnalysisSnapshot>& snapshot) {
    // The models here are only ever fed by a ProfileRunner, whose snapshots are profiles.
    return static_cast<const ProfileSnapshot*>(snapshot.get());
}

QStringList domainNamesOf(const moe::analysis::LayerReport& layer) {
    QStringList names;
    for (const auto& [name, share] : layer.domains) names << QString::fromStdString(name);
    return names;
}
}  // namespace

int busiestExpert(const moe::analysis::DomainShare& domain) {
    int best = -1;
    for (size_t e = 0; e < domain.share.size(); ++e) {
        if (best < 0 || domain.share[e] > domain.share[static_cast<size_t>(best)]) best = static_cast<int>(e);
    }
    return best;
}

// --- domain × expert ----------------------------------------------------------------------------

DomainShareModel::DomainShareModel(ProfileRunner* runner, TraceStore* store, QObject* parent)
    : StoreModel(store, parent), runner_(runner) {
    connect(runner_, &AnalysisSource::updated, this, &DomainShareModel::reload);
    connect(store_, &TraceStore::selectedLayerChanged, this, &DomainShareModel::reload);
    reload();
}

void DomainShareModel::reload() {
    beginResetModel();
    rebuild();
    endResetModel();
}

void DomainShareModel::rebuild() {
    profile_ = runner_->profile();
    const auto* layer = layerReport();
    domains_ = layer ? domainNamesOf(*layer) : QStringList();
}

const moe::analysis::LayerReport* DomainShareModel::layerReport() const {
    const int l = store_->selectedLayer();
    if (!profile_ || l < 0 || l >= static_cast<int>(profile_->report.layers.size())) return nullptr;
    return &profile_->report.layers[static_cast<size_t>(l)];
}

int DomainShareModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(domains_.size()); }

int DomainShareModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() || domains_.isEmpty() ? 0 : profile_->report.n_expert;
}

double DomainShareModel::baseline() const {
    const auto* layer = layerReport();
    return layer && profile_->report.n_expert > 0 ? layer->k / profile_->report.n_expert : 0.0;
}

double DomainShareModel::share(int domain, int expert) const {
    const auto* layer = layerReport();
    if (!layer) return 0.0;
    const auto found = layer->domains.find(domains_[domain].toStdString());
    if (found == layer->domains.end() || expert >= static_cast<int>(found->second.share.size())) return 0.0;
    return found->second.share[static_cast<size_t>(expert)];
}

void DomainShareModel::readRow(int row, double* values, bool* chosen) const {
    for (int e = 0; e < columnCount(); ++e) {
        values[e] = share(row, e);
        chosen[e] = false;
    }
}

QVariant DomainShareModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const int d = index.row(), e = index.column();
    switch (role) {
        case Qt::DisplayRole:
        case ValueRole: return share(d, e);
        case ChosenRole: return false;
        case ExpertCellRole: return QPoint(store_->selectedLayer(), e);
        case Qt::ToolTipRole: {
            const auto* layer = layerReport();
            if (!layer) return {};
            const double lift = baseline() > 0 ? share(d, e) / baseline() : 0.0;
            return tr("%1, layer %2: E%3 is among the chosen experts of %4 of the domain's tokens (%5× the k/N baseline %6)")
                .arg(domains_[d]).arg(layer->layer).arg(e).arg(percent(share(d, e))).arg(lift, 0, 'f', 1).arg(percent(baseline()));
        }
        default: return {};
    }
}

QVariant DomainShareModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (role != Qt::DisplayRole) return {};
    if (orientation == Qt::Vertical) return section < domains_.size() ? QVariant(domains_[section]) : QVariant();
    return QStringLiteral("E%1").arg(section);
}

// --- per-layer table ----------------------------------------------------------------------------

ProfileLayersModel::ProfileLayersModel(ProfileRunner* runner, TraceStore* store, QObject* parent)
    : AnalysisModel(runner, store, parent) {
    rebuild();
}

void ProfileLayersModel::rebuild() {
    domains_ = snapshot_ && !snapshot_->report.layers.empty() ? domainNamesOf(snapshot_->report.layers.front()) : QStringList();
}

int ProfileLayersModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !snapshot_ ? 0 : static_cast<int>(snapshot_->report.layers.size());
}

int ProfileLayersModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : FirstDomainColumn + static_cast<int>(domains_.size());
}

QVariant ProfileLayersModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const auto& r = snapshot_->report.layers[static_cast<size_t>(index.row())];
    const int column = index.column();
    if (role == Qt::TextAlignmentRole) return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (column < FirstDomainColumn) {
        if (role != Qt::DisplayRole && role != ValueRole) return {};
        switch (column) {
            case LayerColumn: return r.layer;
            case TokensColumn: return static_cast<qlonglong>(r.tokens);
            default:
                if (std::isnan(r.domain_mi_bits)) return role == ValueRole ? QVariant() : QVariant(QStringLiteral("–"));
                return role == ValueRole ? QVariant(r.domain_mi_bits) : QVariant(QString::number(r.domain_mi_bits, 'f', 3));
        }
    }
    const auto domain = r.domains.find(domains_[column - FirstDomainColumn].toStdString());
    if (domain == r.domains.end()) return {};
    const int e = busiestExpert(domain->second);
    if (e < 0) return {};
    const double share = domain->second.share[static_cast<size_t>(e)];
    switch (role) {
        case Qt::DisplayRole: return QStringLiteral("E%1 · %2").arg(e).arg(percent(share));
        case ExpertCellRole: return QPoint(index.row(), e);  // the domain's busiest expert
        case Qt::ToolTipRole:
            return tr("%1, layer %2: E%3 is among the chosen experts of %4 of the domain's %5 tokens")
                .arg(domains_[column - FirstDomainColumn]).arg(r.layer).arg(e).arg(percent(share)).arg(domain->second.tokens);
        default: return {};
    }
}

QVariant ProfileLayersModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole && section == MutualInformationColumn)
        return tr("Mutual information I(domain; rank-0 expert) in bits: 0 when the router ignores the domain");
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case LayerColumn: return tr("Layer");
        case TokensColumn: return tr("Tokens");
        case MutualInformationColumn: return tr("MI (bits)");
        default: return section - FirstDomainColumn < domains_.size() ? QVariant(domains_[section - FirstDomainColumn]) : QVariant();
    }
}

// --- expert map ---------------------------------------------------------------------------------

ExpertMapModel::ExpertMapModel(ProfileRunner* runner, TraceStore* store, QObject* parent)
    : AnalysisModel(runner, store, parent) {}

const moe::analysis::ExpertMap* ExpertMapModel::map() const {
    const int l = store_->selectedLayer();
    const ProfileSnapshot* profile = profileOf(snapshot_);
    if (!profile || l < 0 || l >= static_cast<int>(profile->maps.size())) return nullptr;
    return &profile->maps[static_cast<size_t>(l)];
}

QStringList ExpertMapModel::domainNames() const {
    QStringList names;
    if (snapshot_) {
        for (const std::string& name : snapshot_->table->domain_names) names << QString::fromStdString(name);
    }
    return names;
}

int ExpertMapModel::rowCount(const QModelIndex& parent) const {
    const auto* m = map();
    return parent.isValid() || !m ? 0 : static_cast<int>(m->points.size());
}

int ExpertMapModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ExpertMapModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const auto& p = map()->points[static_cast<size_t>(index.row())];
    if (role == DomainIndexRole) return p.dominant_domain;
    if (role == Qt::TextAlignmentRole) return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != ValueRole) return {};
    switch (index.column()) {
        case ExpertColumn: return index.row();
        case XColumn: return role == ValueRole ? QVariant(p.x) : QVariant(QString::number(p.x, 'f', 3));
        case YColumn: return role == ValueRole ? QVariant(p.y) : QVariant(QString::number(p.y, 'f', 3));
        case LoadColumn: return static_cast<qlonglong>(p.load);
        default: {
            const QStringList names = domainNames();
            return p.dominant_domain >= 0 && p.dominant_domain < names.size() ? QVariant(names[p.dominant_domain])
                                                                              : QVariant(QStringLiteral("–"));
        }
    }
}

QVariant ExpertMapModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case ExpertColumn: return tr("Expert");
        case XColumn: return tr("PC 1");
        case YColumn: return tr("PC 2");
        case LoadColumn: return tr("Load");
        case DomainColumn: return tr("Dominant domain");
        default: return {};
    }
}

}  // namespace moe::gui
