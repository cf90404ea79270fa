// Item models over the store's corpus profile (ProfileRunner), for the Profile page.
// ValueRole holds the raw number; they reset when a new analysis arrives or the layer changes.
#pragma once

#include <QStringList>

#include "gui_private/analysis_models.h"
#include "gui_private/profile_runner.h"

namespace moe::gui {

// The selected layer's domain × expert table: the share of a domain's tokens whose chosen set
// holds the expert, #{t in D : e in E_t} / #{t in D}, to read against the k/N of a router that
// ignores the domain. Cells name their expert (ExpertCellRole), so a heatmap of this model
// offers "Disable expert E in layer L" and hatches the disabled ones.
class DomainShareModel : public StoreModel, public HeatmapRows {
    Q_OBJECT
public:
    DomainShareModel(ProfileRunner* runner, TraceStore* store, QObject* parent = nullptr);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    void readRow(int row, double* values, bool* chosen) const override;
    // k/N: the share every expert gets in a domain when the router ignores domains.
    double baseline() const;
    const moe::analysis::LayerReport* layerReport() const;

private:
    void rebuild() override;
    void reload();
    double share(int domain, int expert) const;
    ProfileRunner* runner_;
    std::shared_ptr<const ProfileSnapshot> profile_;
    QStringList domains_;  // rows: the layer's domains by name
};

// The busiest expert of domain `domain` in a layer (the largest share, ties to the lower id), -1 none.
int busiestExpert(const moe::analysis::DomainShare& domain);

// One row per MoE layer: tokens, the mutual information I(domain; rank-0 expert) in bits, and
// for each domain its busiest expert and that expert's share ("E15 · 45.2%").
class ProfileLayersModel : public AnalysisModel {
    Q_OBJECT
public:
    enum Column { LayerColumn, TokensColumn, MutualInformationColumn, FirstDomainColumn };
    ProfileLayersModel(ProfileRunner* runner, TraceStore* store, QObject* parent = nullptr);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    void rebuild() override;
    QStringList domains_;
};

// The selected layer's expert map (core/analysis/expert_map): one row per expert with its
// coordinates, load and dominant domain; the Profile page draws it as a scatter plot.
class ExpertMapModel : public AnalysisModel {
    Q_OBJECT
public:
    enum Column { ExpertColumn, XColumn, YColumn, LoadColumn, DomainColumn, ColumnCount };
    enum Role { DomainIndexRole = Qt::UserRole + 40 };  // int: index into domainNames(), -1 none
    ExpertMapModel(ProfileRunner* runner, TraceStore* store, QObject* parent = nullptr);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    QStringList domainNames() const;
    // The selected layer's map, or null.
    const moe::analysis::ExpertMap* map() const;
};

}  // namespace moe::gui
