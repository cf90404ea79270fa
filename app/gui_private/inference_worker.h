// The inference thread: one QObject that owns the model and its Session, driven by queued
// commands from the GUI and answering with immutable snapshots through queued signals.
#pragma once

#include <QObject>
#include <QString>
#include <QThread>

#include <atomic>
#include <memory>

#include "engine/engine.h"
#include "gui_private/corpus_profile.h"
#include "gui_private/gui_types.h"

namespace moe::gui {

class TraceStore;

class InferenceWorker : public QObject {
    Q_OBJECT
public:
    InferenceWorker();
    ~InferenceWorker() override;

    // Thread-safe, called from the GUI thread: every job with an id <= `job` stops within one
    // layer's compute (the engine polls the flag per layer).
    void requestStop(quint64 job);

public Q_SLOTS:
    void loadModel(quint64 job, const QString& path);
    void generate(quint64 job, const moe::GenerationRequest& request);
    // Re-evaluates the tokens of `baseline` (history index `baseline_index`) under `overrides`.
    void whatIf(quint64 job, const moe::gui::RunPtr& baseline, int baseline_index,
                const moe::RoutingOverrides& overrides);
    // Evaluates a corpus teacher-forced, as `moescope-cli profile` does.
    void profileCorpus(quint64 job, const moe::gui::ProfileRequest& request);
    // The options of the sessions to come; a loaded model gets a new session at once.
    void setSessionOptions(const moe::SessionOptions& options);

Q_SIGNALS:
    void loadProgress(quint64 job, double progress);
    void modelLoaded(quint64 job, const moe::ModelInfo& info);
    void loadFailed(quint64 job, const QString& message, bool cancelled);
    void generationUpdate(quint64 job, const moe::gui::GenerationUpdate& update);
    void generationFinished(quint64 job, const moe::gui::GenerationUpdate& last, const QString& error);
    void whatIfProgress(quint64 job, int done, int total);
    // `run` holds the positions done (all unless cancelled); null when `error` is set.
    void whatIfFinished(quint64 job, const moe::gui::RunPtr& run, bool cancelled, const QString& error);
    void profileProgress(quint64 job, qint64 done, qint64 total);
    // `profile` is null when cancelled or when `error` is set.
    void profileFinished(quint64 job, const moe::gui::ProfileTable& profile, bool cancelled, const QString& error);

private:
    void beginJob(quint64 job);
    RunPtr recordGeneration(const moe::GenerationRequest& request, const moe::GenerationResult& result,
                            moe::analysis::RoutingTable routing) const;
    bool stopRequested(quint64 job) const { return job <= stop_up_to_.load(); }

    std::shared_ptr<const moe::Model> model_;
    std::unique_ptr<moe::Session> session_;
    moe::SessionOptions session_options_;
    std::atomic<bool> cancel_{false};
    std::atomic<quint64> stop_up_to_{0};
};

// The GUI-side face of the worker: owns the thread, numbers the jobs, drops results of stale
// jobs, and feeds the current run into the TraceStore.
class InferenceController : public QObject {
    Q_OBJECT
public:
    enum class State { Idle, Loading, Generating, EvaluatingWhatIf, Profiling };
    Q_ENUM(State)

    explicit InferenceController(TraceStore* store, QObject* parent = nullptr);
    ~InferenceController() override;

    State state() const { return state_; }
    bool hasModel() const { return has_model_; }
    const moe::ModelInfo& modelInfo() const { return model_info_; }

    void loadModel(const QString& path);
    void cancelLoad();
    void generate(const moe::GenerationRequest& request);
    // Teacher-forces the store's current run (recorded first if the history lacks it) under
    // the store's overrides; the result joins the history.
    void runWhatIf();
    // Profiles a corpus; a finished profile replaces the store's, a cancelled one leaves it.
    void profileCorpus(const ProfileRequest& request);
    void stop();  // a generation, what-if or profile
    // Exact F32 activations and the like, for the generations and profiles after the current job.
    void setSessionOptions(const moe::SessionOptions& options);
    const moe::SessionOptions& sessionOptions() const { return session_options_; }

Q_SIGNALS:
    void stateChanged(moe::gui::InferenceController::State state);
    void loadProgress(double progress);
    void modelLoaded(const moe::ModelInfo& info);
    void loadFailed(const QString& message, bool cancelled);
    void statsChanged(const moe::gui::GenerationStats& stats);
    void generationFinished(const QString& error, bool cancelled);
    void whatIfProgress(int done, int total);
    void whatIfFinished(const QString& error, bool cancelled);
    void profileProgress(qint64 done, qint64 total);
    void profileFinished(const QString& error, bool cancelled);

private:
    quint64 startJob(State state);
    void setState(State state);
    void onModelLoaded(quint64 job, const moe::ModelInfo& info);
    void onLoadFailed(quint64 job, const QString& message, bool cancelled);
    void onUpdate(quint64 job, const GenerationUpdate& update);
    void onFinished(quint64 job, const GenerationUpdate& last, const QString& error);
    void onWhatIfFinished(quint64 job, const RunPtr& run, bool cancelled, const QString& error);
    void onProfileFinished(quint64 job, const ProfileTable& profile, bool cancelled, const QString& error);

    TraceStore* store_;
    QThread thread_;
    InferenceWorker* worker_;
    quint64 current_job_ = 0;
    State state_ = State::Idle;
    bool has_model_ = false;
    moe::ModelInfo model_info_;
    moe::SessionOptions session_options_;
};

}  // namespace moe::gui
