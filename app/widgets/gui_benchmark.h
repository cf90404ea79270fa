// The GUI scale benchmark: streams a synthetic trace (by default 27 layers × 64 experts) into a
// shown MainWindow through queued calls from another thread (as the worker does), and
// measures heatmap repaint times and the longest stall of the GUI thread.
#pragma once

#include <QString>

#include "gui_private/synthetic_trace.h"

namespace moe::gui {

class MainWindow;

struct GuiBenchmarkResult {
    int tokens = 0;
    SyntheticShape shape;
    double wall_s = 0;
    double max_stall_ms = 0;        // longest gap between 2 ms timer ticks, minus the interval
    double max_stall_at_s = 0;      // when it happened, from the start of the stream
    double max_steady_stall_ms = 0; // the same after the first 0.5 s (first layout of every view)
    double max_busy_ms = 0;         // longest GUI-thread CPU time between ticks (no preemption)
    double max_steady_busy_ms = 0;
    double max_append_ms = 0;       // longest store append (models + views notified)
    double max_paint_ms[3] = {};    // token×expert, layer×expert, expert load, while streaming
    double mean_paint_ms[3] = {};
    int paints[3] = {};
    double full_rebuild_ms = 0;     // token×expert image rebuilt from the model (layer switch)
    double full_repaint_ms = 0;     // and the paint that follows
    QString report() const;
};

// The same probe during a real generation of the loaded model (the window must have one).
struct LiveBenchmarkResult {
    int tokens = 0;
    double tokens_per_second = 0;
    double max_stall_ms = 0;
    double max_steady_stall_ms = 0;
    double max_busy_ms = 0;
    double max_paint_ms = 0;
    QString report() const;
};
LiveBenchmarkResult runLiveBenchmark(MainWindow& window, int max_tokens);

// Runs the event loop until the stream ends; the window must be shown.
GuiBenchmarkResult runGuiBenchmark(MainWindow& window, int tokens, int tokens_per_second, const SyntheticShape& shape = {});

}  // namespace moe::gui
