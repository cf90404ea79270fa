#include "widgets/gui_benchmark.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <ctime>
#include <memory>

#include "gui_private/synthetic_trace.h"
#include "gui_private/trace_store.h"
#include "widgets/heatmap_view.h"
#include "widgets/main_window.h"

namespace moe::gui {

QString GuiBenchmarkResult::report() const {
    auto ms = [](double v) { return QString::number(v, 'f', 1); };
    QString out;
    out += QStringLiteral("tokens streamed: %1 in %2 s (%3 layers, %4 experts top-%5 + %6 shared)\n")
               .arg(tokens)
               .arg(wall_s, 0, 'f', 1)
               .arg(shape.n_layer)
               .arg(shape.n_expert)
               .arg(shape.n_expert_used)
               .arg(shape.n_expert_shared);
    out += QStringLiteral("longest GUI-thread stall, wall clock: %1 ms at %2 s; after the first 0.5 s: %3 ms\n")
               .arg(ms(max_stall_ms), QString::number(max_stall_at_s, 'f', 2), ms(max_steady_stall_ms));
    out += QStringLiteral("longest GUI-thread busy stretch, thread CPU time: %1 ms; after the first 0.5 s: %2 ms\n")
               .arg(ms(max_busy_ms), ms(max_steady_busy_ms));
    out += QStringLiteral("longest store append: %1 ms\n").arg(ms(max_append_ms));
    const char* names[] = {"token x expert", "layer x expert", "expert load"};
    for (int i = 0; i < 3; ++i) {
        out += QStringLiteral("%1 paint while streaming: mean %2 ms, max %3 ms over %4 paints\n")
                   .arg(QLatin1String(names[i]), QString::number(mean_paint_ms[i], 'f', 2),
                        QString::number(max_paint_ms[i], 'f', 2)).arg(paints[i]);
    }
    out += QStringLiteral("layer switch at %1 tokens: token x expert image rebuilt in %2 ms, painted in %3 ms\n")
               .arg(tokens).arg(ms(full_rebuild_ms), ms(full_repaint_ms));
    return out;
}

namespace {
// Measures how long the GUI thread goes without serving its event loop: a 2 ms timer whose
// longer gaps are time spent in our slots and paints.
class StallProbe {
public:
    StallProbe() {
        timer_.setTimerType(Qt::PreciseTimer);
        timer_.setInterval(kTickMs);
        QObject::connect(&timer_, &QTimer::timeout, [this] {
            const qint64 now = clock_.nsecsElapsed();
            const double stall = (now - last_tick_) / 1e6 - kTickMs;
            if (stall > max_stall_ms_) {
                max_stall_ms_ = stall;
                max_stall_at_s_ = now / 1e9;
            }
            if (now > kWarmupNs) max_steady_stall_ms_ = std::max(max_steady_stall_ms_, stall);
            last_tick_ = now;
            // CPU time the GUI thread itself spent since the last tick: the wall-clock gap also
            // counts time other processes held the cores.
            const qint64 cpu = threadCpuNs();
            max_busy_ms_ = std::max(max_busy_ms_, (cpu - last_cpu_) / 1e6);
            if (now > kWarmupNs) max_steady_busy_ms_ = std::max(max_steady_busy_ms_, (cpu - last_cpu_) / 1e6);
            last_cpu_ = cpu;
        });
    }
    void start() {
        clock_.start();
        last_tick_ = clock_.nsecsElapsed();
        last_cpu_ = threadCpuNs();
        timer_.start();
    }
    double stop() {
        timer_.stop();
        return max_stall_ms_;
    }
    double maxStallAt() const { return max_stall_at_s_; }
    // Longest stall after the first half second (which holds the first layout of every view).
    double maxSteadyStall() const { return max_steady_stall_ms_; }
    // Longest stretch of GUI-thread CPU work between two ticks.
    double maxBusy() const { return max_busy_ms_; }
    double maxSteadyBusy() const { return max_steady_busy_ms_; }

private:
    static constexpr int kTickMs = 2;
    static constexpr qint64 kWarmupNs = 500'000'000;
    QTimer timer_;
    QElapsedTimer clock_;
    qint64 last_tick_ = 0;
    double max_stall_ms_ = 0;
    double max_stall_at_s_ = 0;
    double max_steady_stall_ms_ = 0;
    qint64 last_cpu_ = 0;
    double max_busy_ms_ = 0;
    double max_steady_busy_ms_ = 0;

    static qint64 threadCpuNs() {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return static_cast<qint64>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
    }
};
}  // namespace

LiveBenchmarkResult runLiveBenchmark(MainWindow& window, int max_tokens) {
    LiveBenchmarkResult result;
    QEventLoop loop;
    QObject::connect(window.controller(), &InferenceController::generationFinished, &loop, &QEventLoop::quit);
    StallProbe probe;
    window.setMaxTokens(max_tokens);
    probe.start();
    window.run();
    loop.exec();
    result.max_stall_ms = probe.stop();
    result.max_steady_stall_ms = probe.maxSteadyStall();
    result.max_busy_ms = probe.maxBusy();
    result.tokens = window.store()->tokenCount();
    result.tokens_per_second = window.store()->document().stats.tokens_per_second();
    result.max_paint_ms = window.tokenExpertView()->maxPaintMs();
    return result;
}

QString LiveBenchmarkResult::report() const {
    return QStringLiteral("live run: %1 tokens at %2 tok/s\n"
                          "longest GUI-thread stall, wall clock: %3 ms; after the first 0.5 s: %4 ms\n"
                          "longest GUI-thread busy stretch, thread CPU time: %5 ms\n"
                          "token x expert paint: max %6 ms\n")
        .arg(tokens)
        .arg(tokens_per_second, 0, 'f', 1)
        .arg(max_stall_ms, 0, 'f', 1)
        .arg(max_steady_stall_ms, 0, 'f', 1)
        .arg(max_busy_ms, 0, 'f', 1)
        .arg(max_paint_ms, 0, 'f', 2);
}

GuiBenchmarkResult runGuiBenchmark(MainWindow& window, int tokens, int tokens_per_second, const SyntheticShape& shape) {
    GuiBenchmarkResult result;
    result.tokens = tokens;
    result.shape = shape;
    TraceStore* store = window.store();
    store->resetModel(syntheticModelInfo(shape));
    HeatmapView* views[3] = {window.tokenExpertView(), window.layerExpertView(), window.expertLoadView()};
    for (auto* v : views) v->resetPaintStats();

    StallProbe probe;
    // The producer thread paces synthetic tokens and posts them in 40 ms batches like the worker.
    QEventLoop loop;
    QThread* producer = QThread::create([&] {
        constexpr int kBatchMs = 40;
        const int per_batch = std::max(1, tokens_per_second * kBatchMs / 1000);
        QElapsedTimer pace;
        pace.start();
        int sent = std::min(tokens, shape.prompt_tokens);
        auto post = [&](int first, int count) {
            auto batch = std::make_shared<const std::vector<moe::TokenTrace>>(syntheticTokens(shape, first, count));
            QMetaObject::invokeMethod(store, [store, batch, &result] {
                QElapsedTimer t;
                t.start();
                store->appendTokens(*batch);
                result.max_append_ms = std::max(result.max_append_ms, t.nsecsElapsed() / 1e6);
            }, Qt::QueuedConnection);
        };
        post(0, sent);  // the prompt arrives as one batch
        for (int batch = 1; sent < tokens; ++batch) {
            const qint64 due = static_cast<qint64>(batch) * kBatchMs;
            if (pace.elapsed() < due) QThread::msleep(static_cast<unsigned long>(due - pace.elapsed()));
            const int count = std::min(per_batch, tokens - sent);
            post(sent, count);
            sent += count;
        }
    });
    QObject::connect(producer, &QThread::finished, &loop, [&] {
        // Let the last batches land and paint before measuring the full rebuild.
        QTimer::singleShot(300, &loop, &QEventLoop::quit);
    });
    probe.start();
    QElapsedTimer wall;
    wall.start();
    producer->start();
    loop.exec();
    result.max_stall_ms = probe.stop();
    result.max_stall_at_s = probe.maxStallAt();
    result.max_steady_stall_ms = probe.maxSteadyStall();
    result.max_busy_ms = probe.maxBusy();
    result.max_steady_busy_ms = probe.maxSteadyBusy();
    producer->wait();
    delete producer;
    result.wall_s = wall.nsecsElapsed() / 1e9;
    for (int i = 0; i < 3; ++i) {
        result.max_paint_ms[i] = views[i]->maxPaintMs();
        result.mean_paint_ms[i] = views[i]->meanPaintMs();
        result.paints[i] = views[i]->paintCount();
    }

    // A layer switch: the token × expert image is rebuilt from the model, then painted.
    HeatmapView* token_expert = window.tokenExpertView();
    store->selectLayer((store->selectedLayer() + 1) % store->moeLayerCount());
    QElapsedTimer rebuild;
    rebuild.start();
    token_expert->heatmapImage().image();
    result.full_rebuild_ms = rebuild.nsecsElapsed() / 1e6;
    token_expert->resetPaintStats();
    token_expert->viewport()->repaint();
    result.full_repaint_ms = token_expert->lastPaintMs();
    return result;
}

}  // namespace moe::gui
