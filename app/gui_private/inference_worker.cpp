#include "gui_private/inference_worker.h"

#include <QElapsedTimer>
#include <QFile>

#include <algorithm>
#include <limits>

#include "analysis/table_builder.h"
#include "evaluation/what_if.h"
#include "gui_private/trace_store.h"

namespace moe::gui {

namespace {
// The GUI gets at most ~25 snapshots per second; more would only cost repaints.
constexpr qint64 kSnapshotIntervalMs = 40;
// Load progress is forwarded only when it moved by this much (heaptrack does the same).
constexpr double kProgressStep = 0.005;
}  // namespace

InferenceWorker::InferenceWorker() = default;
InferenceWorker::~InferenceWorker() = default;

void InferenceWorker::requestStop(quint64 job) {
    quint64 seen = stop_up_to_.load();
    while (seen < job && !stop_up_to_.compare_exchange_weak(seen, job)) {
    }
    cancel_.store(true);
}

void InferenceWorker::beginJob(quint64 job) {
    // Clear first, then re-check: a stop that raced with the clear is never lost.
    cancel_.store(false);
    if (stopRequested(job)) cancel_.store(true);
}

void InferenceWorker::loadModel(quint64 job, const QString& path) {
    beginJob(job);
    if (cancel_.load()) {
        Q_EMIT loadFailed(job, tr("Loading cancelled."), true);
        return;
    }
    double last_reported = -1;
    moe::LoadOptions options;
    options.progress = [&](float progress) {
        if (progress - last_reported >= kProgressStep || progress >= 1.0f) {
            last_reported = progress;
            Q_EMIT loadProgress(job, progress);
        }
        return !cancel_.load();
    };
    try {
        auto model = moe::Model::load(QFile::encodeName(path).toStdString(), options);
        // Free the previous model before the new session allocates its cache.
        session_.reset();
        model_ = std::move(model);
        session_ = std::make_unique<moe::Session>(model_, session_options_);
        Q_EMIT modelLoaded(job, model_->info());
    } catch (const moe::Cancelled&) {
        Q_EMIT loadFailed(job, tr("Loading cancelled."), true);
    } catch (const std::exception& e) {
        Q_EMIT loadFailed(job, QString::fromStdString(e.what()), false);
    }
}

void InferenceWorker::setSessionOptions(const moe::SessionOptions& options) {
    session_options_ = options;
    if (!model_) return;
    session_.reset();  // its cache goes before the new one is allocated
    session_ = std::make_unique<moe::Session>(model_, session_options_);
}

void InferenceWorker::generate(quint64 job, const moe::GenerationRequest& request) {
    beginJob(job);
    GenerationUpdate pending;
    auto traces = std::make_shared<std::vector<moe::TokenTrace>>();
    GenerationStats& stats = pending.stats;
    QElapsedTimer clock, since_flush;
    clock.start();
    since_flush.start();
    double first_output_ms = -1;

    auto take = [&] {
        stats.elapsed_ms = clock.nsecsElapsed() / 1e6;
        if (first_output_ms >= 0) stats.decode_ms = stats.elapsed_ms - first_output_ms;
        GenerationUpdate out;
        out.traces = std::move(traces);
        out.text = std::move(pending.text);
        out.stats = stats;
        traces = std::make_shared<std::vector<moe::TokenTrace>>();
        pending.text.clear();
        since_flush.restart();
        return out;
    };
    auto maybe_flush = [&] {
        if (since_flush.elapsed() >= kSnapshotIntervalMs) Q_EMIT generationUpdate(job, take());
    };

    // The run's chosen experts for the history, gathered as they stream (ids only).
    moe::analysis::RoutingTableBuilder routing(/*keep_values=*/false);
    moe::GenerationEvents events;
    events.on_trace = [&](const moe::TokenTrace& trace) {
        if (!trace.moe_layers.empty()) routing.add(trace);
        if (trace.is_prompt) {
            ++stats.prompt_tokens;
            stats.prefill_ms += trace.total_ms;
        }
        traces->push_back(trace);
        maybe_flush();
    };
    events.on_text = [&](const std::string& text) {
        if (first_output_ms < 0) {
            first_output_ms = clock.nsecsElapsed() / 1e6;
            stats.time_to_first_token_ms = first_output_ms;
        }
        ++stats.generated_tokens;
        pending.text += QString::fromStdString(text);
        maybe_flush();
    };

    QString error;
    RunPtr run;
    try {
        if (!session_) throw moe::EngineError("No model is loaded.");
        const moe::GenerationResult result = session_->generate(request, events, &cancel_);
        if (!model_->info().moe_layers.empty()) run = recordGeneration(request, result, routing.take());
        stats.prompt_tokens = static_cast<int>(result.prompt_tokens.size());
        stats.generated_tokens = static_cast<int>(result.generated_tokens.size());
        stats.prefill_ms = result.prefill_ms;
        stats.decode_ms = result.decode_ms;
        stats.time_to_first_token_ms = result.time_to_first_token_ms;
        stats.cancelled = result.cancelled;
        stats.stopped_at_eos = result.stopped_at_eos;
        stats.stopped_at_context_end = result.stopped_at_context_end;
    } catch (const moe::Cancelled&) {
        stats.cancelled = true;
    } catch (const std::exception& e) {
        error = QString::fromStdString(e.what());
    }
    const double decode_ms = stats.decode_ms;
    GenerationUpdate last = take();
    if (decode_ms > 0) last.stats.decode_ms = decode_ms;  // keep the engine's exact figure
    last.stats.finished = true;
    last.run = run;
    Q_EMIT generationFinished(job, last, error);
}

RunPtr InferenceWorker::recordGeneration(const moe::GenerationRequest& request, const moe::GenerationResult& result,
                                         moe::analysis::RoutingTable routing) const {
    std::vector<int32_t> tokens = result.prompt_tokens;
    tokens.insert(tokens.end(), result.generated_tokens.begin(), result.generated_tokens.end());
    auto run = std::make_shared<moe::RunRecord>(moe::record_generation(
        model_->info(), request, std::move(tokens), static_cast<int>(result.prompt_tokens.size()), std::move(routing)));
    moe::name_tokens(*run, model_->tokenizer());
    return run;
}

void InferenceWorker::whatIf(quint64 job, const RunPtr& baseline, int baseline_index,
                             const moe::RoutingOverrides& overrides) {
    beginJob(job);
    QString error;
    RunPtr run;
    bool cancelled = false;
    try {
        if (!model_) throw moe::EngineError("No model is loaded.");
        moe::WhatIfOptions options;
        options.baseline = baseline->overrides;
        options.what_if = overrides;
        options.n_prompt = baseline->n_prompt;
        QElapsedTimer since_report;
        since_report.start();
        options.progress = [&](int done, int total) {
            if (since_report.elapsed() >= kSnapshotIntervalMs || done == total) {
                since_report.restart();
                Q_EMIT whatIfProgress(job, done, total);
            }
            return true;
        };
        const moe::WhatIfResult result = moe::evaluate_what_if(model_, baseline->tokens, options, &cancel_);
        cancelled = result.cancelled;
        auto record = std::make_shared<moe::RunRecord>(moe::record_what_if(*baseline, baseline_index, overrides, result));
        moe::name_tokens(*record, model_->tokenizer());
        run = std::move(record);
    } catch (const std::exception& e) {
        error = QString::fromStdString(e.what());
    }
    Q_EMIT whatIfFinished(job, run, cancelled, error);
}

void InferenceWorker::profileCorpus(quint64 job, const ProfileRequest& request) {
    beginJob(job);
    QString error;
    ProfileTable profile;
    QElapsedTimer since_report;
    since_report.start();
    const auto progress = [&](int64_t done, int64_t total) {
        if (since_report.elapsed() >= kSnapshotIntervalMs || done == total) {
            since_report.restart();
            Q_EMIT profileProgress(job, done, total);
        }
    };
    try {
        if (!session_) throw moe::EngineError("No model is loaded.");
        profile = moe::gui::profileCorpus(*session_, request, progress, &cancel_);
    } catch (const moe::Cancelled&) {
        profile.reset();
    } catch (const std::exception& e) {
        error = QString::fromStdString(e.what());
    }
    Q_EMIT profileFinished(job, profile, !profile && error.isEmpty(), error);
}

InferenceController::InferenceController(TraceStore* store, QObject* parent)
    : QObject(parent), store_(store), worker_(new InferenceWorker) {
    registerMetaTypes();
    thread_.setObjectName(QStringLiteral("moescope-inference"));
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    connect(worker_, &InferenceWorker::loadProgress, this, [this](quint64 job, double p) {
        if (job == current_job_ && state_ == State::Loading) Q_EMIT loadProgress(p);
    });
    connect(worker_, &InferenceWorker::modelLoaded, this, &InferenceController::onModelLoaded);
    connect(worker_, &InferenceWorker::loadFailed, this, &InferenceController::onLoadFailed);
    connect(worker_, &InferenceWorker::generationUpdate, this, &InferenceController::onUpdate);
    connect(worker_, &InferenceWorker::generationFinished, this, &InferenceController::onFinished);
    connect(worker_, &InferenceWorker::whatIfProgress, this, [this](quint64 job, int done, int total) {
        if (job == current_job_ && state_ == State::EvaluatingWhatIf) Q_EMIT whatIfProgress(done, total);
    });
    connect(worker_, &InferenceWorker::whatIfFinished, this, &InferenceController::onWhatIfFinished);
    connect(worker_, &InferenceWorker::profileProgress, this, [this](quint64 job, qint64 done, qint64 total) {
        if (job == current_job_ && state_ == State::Profiling) Q_EMIT profileProgress(done, total);
    });
    connect(worker_, &InferenceWorker::profileFinished, this, &InferenceController::onProfileFinished);
    thread_.start();
}

InferenceController::~InferenceController() {
    worker_->requestStop(std::numeric_limits<quint64>::max());
    thread_.quit();
    thread_.wait();
}

quint64 InferenceController::startJob(State state) {
    if (state_ != State::Idle) worker_->requestStop(current_job_);
    ++current_job_;
    setState(state);
    return current_job_;
}

void InferenceController::setState(State state) {
    if (state_ == state) return;
    state_ = state;
    Q_EMIT stateChanged(state);
}

void InferenceController::loadModel(const QString& path) {
    const quint64 job = startJob(State::Loading);
    QMetaObject::invokeMethod(worker_, [w = worker_, job, path] { w->loadModel(job, path); },
                              Qt::QueuedConnection);
}

void InferenceController::cancelLoad() {
    if (state_ == State::Loading) worker_->requestStop(current_job_);
}

void InferenceController::generate(const moe::GenerationRequest& request) {
    if (!has_model_) return;
    const quint64 job = startJob(State::Generating);
    store_->beginRun(model_info_, request);
    // Max tokens is a setting, not a promise: generate until the context is full and say so.
    moe::GenerationRequest bounded = request;
    bounded.stop_at_context_end = true;
    QMetaObject::invokeMethod(worker_, [w = worker_, job, bounded] { w->generate(job, bounded); },
                              Qt::QueuedConnection);
}

void InferenceController::runWhatIf() {
    if (!has_model_ || state_ != State::Idle) return;
    if (store_->currentRun() < 0) {
        // An older session's trace has no record yet: make one from the trace itself.
        const auto& traces = store_->tokens();
        if (traces.empty() || store_->moeLayerCount() == 0) return;
        std::vector<int32_t> ids;
        int n_prompt = 0;
        for (const moe::TokenTrace& t : traces) {
            ids.push_back(t.token_id);
            n_prompt += t.is_prompt;
        }
        moe::RunRecord run = moe::record_generation(store_->modelInfo(), store_->document().request, std::move(ids),
                                                    n_prompt, moe::chosen_experts(traces));
        for (const moe::TokenTrace& t : traces) run.texts.try_emplace(t.token_id, t.text);
        store_->addRun(std::move(run), /*current=*/true);
    }
    const int index = store_->currentRun();
    const auto baseline = std::make_shared<const moe::RunRecord>(store_->runs()[static_cast<size_t>(index)]);
    const moe::RoutingOverrides overrides = store_->overrides();
    const quint64 job = startJob(State::EvaluatingWhatIf);
    QMetaObject::invokeMethod(
        worker_, [w = worker_, job, baseline, index, overrides] { w->whatIf(job, baseline, index, overrides); },
        Qt::QueuedConnection);
}

void InferenceController::profileCorpus(const ProfileRequest& request) {
    if (!has_model_ || state_ != State::Idle) return;
    const quint64 job = startJob(State::Profiling);
    QMetaObject::invokeMethod(worker_, [w = worker_, job, request] { w->profileCorpus(job, request); },
                              Qt::QueuedConnection);
}

void InferenceController::setSessionOptions(const moe::SessionOptions& options) {
    session_options_ = options;
    QMetaObject::invokeMethod(worker_, [w = worker_, options] { w->setSessionOptions(options); }, Qt::QueuedConnection);
}

void InferenceController::stop() {
    if (state_ == State::Generating || state_ == State::EvaluatingWhatIf || state_ == State::Profiling)
        worker_->requestStop(current_job_);
}

void InferenceController::onModelLoaded(quint64 job, const moe::ModelInfo& info) {
    if (job != current_job_) return;
    has_model_ = true;
    model_info_ = info;
    store_->resetModel(info);
    setState(State::Idle);
    Q_EMIT modelLoaded(info);
}

void InferenceController::onLoadFailed(quint64 job, const QString& message, bool cancelled) {
    if (job != current_job_) return;
    setState(State::Idle);
    Q_EMIT loadFailed(message, cancelled);
}

void InferenceController::onUpdate(quint64 job, const GenerationUpdate& update) {
    if (job != current_job_) return;
    if (update.traces) store_->appendTokens(*update.traces);
    store_->appendText(update.text);
    store_->setStats(update.stats);
    Q_EMIT statsChanged(update.stats);
}

void InferenceController::onFinished(quint64 job, const GenerationUpdate& last, const QString& error) {
    if (job != current_job_) return;
    onUpdate(job, last);
    if (last.run) store_->addRun(*last.run, /*current=*/true);
    setState(State::Idle);
    Q_EMIT generationFinished(error, last.stats.cancelled);
}

void InferenceController::onWhatIfFinished(quint64 job, const RunPtr& run, bool cancelled, const QString& error) {
    if (job != current_job_) return;
    if (run && run->routing.token_count() > 0) store_->addRun(*run, /*current=*/false);
    setState(State::Idle);
    Q_EMIT whatIfFinished(error, cancelled);
}

void InferenceController::onProfileFinished(quint64 job, const ProfileTable& profile, bool cancelled,
                                            const QString& error) {
    if (job != current_job_) return;
    if (profile) store_->setProfile(profile);
    setState(State::Idle);
    Q_EMIT profileFinished(error, cancelled);
}

void registerMetaTypes() {
    qRegisterMetaType<TraceBatch>();
    qRegisterMetaType<GenerationStats>();
    qRegisterMetaType<GenerationUpdate>();
    qRegisterMetaType<moe::ModelInfo>();
    qRegisterMetaType<moe::GenerationRequest>();
    qRegisterMetaType<RunPtr>();
    qRegisterMetaType<moe::RoutingOverrides>();
    qRegisterMetaType<ProfileRequest>();
    qRegisterMetaType<ProfileTable>();
}

}  // namespace moe::gui
