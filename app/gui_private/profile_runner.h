// The analysis of the store's corpus profile (ProfileSnapshot: core/analysis metrics with
// domains and the expert maps), computed on a pool thread whenever the store gets another
// profile: a finished profiling run or an opened session. The GUI thread never analyses.
#pragma once

#include <QFutureWatcher>

#include "gui_private/analysis_source.h"
#include "gui_private/corpus_profile.h"

namespace moe::gui {

class TraceStore;

class ProfileRunner : public AnalysisSource {
    Q_OBJECT
public:
    explicit ProfileRunner(TraceStore* store, QObject* parent = nullptr);
    ~ProfileRunner() override;  // waits for a running job

    std::shared_ptr<const AnalysisSnapshot> snapshot() const override { return profile_; }
    // The newest analysed profile (null without one, or while the first one is analysed).
    std::shared_ptr<const ProfileSnapshot> profile() const { return profile_; }
    bool isBusy() const { return watcher_.isRunning(); }

private:
    void onProfileChanged();
    void onFinished();

    TraceStore* store_;
    std::shared_ptr<const ProfileSnapshot> profile_;
    ProfileTable analysing_;  // the table of the running job
    QFutureWatcher<std::shared_ptr<const ProfileSnapshot>> watcher_;
};

}  // namespace moe::gui
