#include "widgets/gui_benchmark.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <memory>

#include "gui_private/synthetic_trace.h"
#include "gui_private/trace_store.h"
#include "widgets/heatmap_view.h"
#include "widgets/main_window.h"

namespace moe::gui {

QString GuiBenchmarkResult::report() const {
    return QStringLiteral(
               "tokens streamed:            %1 in %2 s\n"
               "longest GUI-thread stall:   %3 ms\n"
               "longest store append:       %4 ms\n"
               "paint while streaming, max: token x expert %5 ms, layer x expert %6 ms, expert load %7 ms\n"
               "paint while streaming, mean: %10 / %11 / %12 ms over %13 / %14 / %15 paints\n"
               "token x expert full image rebuild (layer switch, %1 x 66 cells): %8 ms, then paint %9 ms\n")
        .arg(tokens).arg(wall_s, 0, 'f', 1).arg(max_stall_ms, 0, 'f', 1).arg(max_append_ms, 0, 'f', 1)
        .arg(max_paint_ms[0], 0, 'f', 2).arg(max_paint_ms[1], 0, 'f', 2).arg(max_paint_ms[2], 0, 'f', 2)
        .arg(full_rebuild_ms, 0, 'f', 1).arg(full_repaint_ms, 0, 'f', 1)
        .arg(mean_paint_ms[0], 0, 'f', 2).arg(mean_paint_ms[1], 0, 'f', 2).arg(mean_paint_ms[2], 0, 'f', 2)
        .arg(paints[0]).arg(paints[1]).arg(paints[2]);
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
            max_stall_ms_ = std::max(max_stall_ms_, (now - last_tick_) / 1e6 - kTickMs);
            last_tick_ = now;
        });
    }
    void start() {
        clock_.start();
        last_tick_ = clock_.nsecsElapsed();
        timer_.start();
    }
    double stop() {
        timer_.stop();
        return max_stall_ms_;
    }

private:
    static constexpr int kTickMs = 2;
    QTimer timer_;
    QElapsedTimer clock_;
    qint64 last_tick_ = 0;
    double max_stall_ms_ = 0;
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
    result.tokens = window.store()->tokenCount();
    result.tokens_per_second = window.store()->document().stats.tokens_per_second();
    result.max_paint_ms = window.tokenExpertView()->maxPaintMs();
    return result;
}

QString LiveBenchmarkResult::report() const {
    return QStringLiteral("live run: %1 tokens at %2 tok/s, longest GUI-thread stall %3 ms, max token x expert paint %4 ms\n")
        .arg(tokens).arg(tokens_per_second, 0, 'f', 1).arg(max_stall_ms, 0, 'f', 1).arg(max_paint_ms, 0, 'f', 2);
}

GuiBenchmarkResult runGuiBenchmark(MainWindow& window, int tokens, int tokens_per_second) {
    GuiBenchmarkResult result;
    result.tokens = tokens;
    SyntheticShape shape;
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
