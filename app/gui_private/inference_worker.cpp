#include "gui_private/inference_worker.h"

#include <QElapsedTimer>
#include <QFile>

#include <algorithm>
#include <limits>

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
        session_ = std::make_unique<moe::Session>(model_);
        Q_EMIT modelLoaded(job, model_->info());
    } catch (const moe::Cancelled&) {
        Q_EMIT loadFailed(job, tr("Loading cancelled."), true);
    } catch (const std::exception& e) {
        Q_EMIT loadFailed(job, QString::fromStdString(e.what()), false);
    }
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

    moe::GenerationEvents events;
    events.on_trace = [&](const moe::TokenTrace& trace) {
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
    try {
        if (!session_) throw moe::EngineError("No model is loaded.");
        const moe::GenerationResult result = session_->generate(request, events, &cancel_);
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
    Q_EMIT generationFinished(job, last, error);
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

void InferenceController::stop() {
    if (state_ == State::Generating) worker_->requestStop(current_job_);
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
    setState(State::Idle);
    Q_EMIT generationFinished(error, last.stats.cancelled);
}

void registerMetaTypes() {
    qRegisterMetaType<TraceBatch>();
    qRegisterMetaType<GenerationStats>();
    qRegisterMetaType<GenerationUpdate>();
    qRegisterMetaType<moe::ModelInfo>();
    qRegisterMetaType<moe::GenerationRequest>();
}

}  // namespace moe::gui
