// The Profile tab: a corpus profile of the model (File → Profile Corpus…), run on the inference
// thread with progress (tokens, tokens/s, ETA) and Cancel, analysed on a pool thread, saved in
// the session. Per layer: the domain × expert specialisation heatmap against the k/N baseline,
// the mutual information and each domain's busiest expert, the expert map (PCA), and an expert
// inspector over the profile's tokens.
#pragma once

#include "widgets/page.h"

#include <QElapsedTimer>

class QLabel;
class QProgressBar;
class QPushButton;
class QTableView;

namespace moe::gui {

class DomainShareModel;
class ExpertLayersModel;
class ExpertMapModel;
class ExpertMapView;
class ExpertTokensModel;
class HeatmapView;
class InferenceController;
class ProfileLayersModel;
class ProfileRunner;
struct ProfileRequest;

class ProfilePage : public Page {
    Q_OBJECT
public:
    ProfilePage(TraceStore* store, InferenceController* controller, QWidget* parent = nullptr);

    void chooseCorpus();  // the dialog, then the run
    void startProfile(const ProfileRequest& request);
    void cancelProfile();

    ProfileRunner* runner() const { return runner_; }
    DomainShareModel* domainShareModel() const { return domain_share_; }
    ProfileLayersModel* layersModel() const { return layers_; }
    ExpertMapModel* expertMapModel() const { return map_; }
    ExpertLayersModel* expertLayersModel() const { return expert_layers_; }
    ExpertTokensModel* expertTokensModel() const { return expert_tokens_; }
    ExpertMapView* expertMapView() const { return map_view_; }
    HeatmapView* domainShareView() const { return domain_view_; }
    QString progressText() const;
    QString statusText() const;

protected:
    void onStoreReset() override;

private:
    void updateViews();
    void updateButtons();
    void onProgress(qint64 done, qint64 total);
    void onFinished(const QString& error, bool cancelled);

    InferenceController* controller_;
    ProfileRunner* runner_;
    DomainShareModel* domain_share_;
    ProfileLayersModel* layers_;
    ExpertMapModel* map_;
    ExpertLayersModel* expert_layers_;
    ExpertTokensModel* expert_tokens_;
    HeatmapView* domain_view_ = nullptr;
    ExpertMapView* map_view_ = nullptr;
    QLabel* status_ = nullptr;
    QLabel* progress_label_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QPushButton* choose_ = nullptr;
    QPushButton* bundled_ = nullptr;
    QPushButton* cancel_ = nullptr;
    ViewPanel* domain_panel_ = nullptr;
    ViewPanel* layers_panel_ = nullptr;
    ViewPanel* map_panel_ = nullptr;
    ViewPanel* expert_layers_panel_ = nullptr;
    ViewPanel* expert_tokens_panel_ = nullptr;
    QElapsedTimer clock_;
    QString outcome_;  // the last run's result, until the next one starts
};

}  // namespace moe::gui
