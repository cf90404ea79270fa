// The routing analysis of the open session (core/analysis), recomputed off the GUI thread.
// The GUI thread only appends each streamed token's chosen sets to a table; a recompute copies
// that table and runs analyze_table on a pool thread. While active (its page is visible) it
// recomputes at most every kRefreshMs as tokens stream; while inactive it only notes that
// its numbers are stale. Results of a session that was replaced meanwhile are dropped.
#pragma once

#include <QFutureWatcher>
#include <QTimer>

#include "analysis/table_builder.h"
#include "gui_private/analysis_source.h"

namespace moe::gui {

class TraceStore;

// The cache sizes the app simulates: k to N in about 16 steps, 2k included (k = largest set).
std::vector<int> appCacheSizes(int n_expert, int max_k);
// What analyze_table computes for the app, given the table.
std::shared_ptr<const AnalysisSnapshot> analyzeForApp(std::shared_ptr<const moe::analysis::RoutingTable> table);

class AnalysisRunner : public AnalysisSource {
    Q_OBJECT
public:
    static constexpr int kRefreshMs = 400;
    explicit AnalysisRunner(TraceStore* store, QObject* parent = nullptr);
    ~AnalysisRunner() override;  // waits for a running job

    // Active: recompute now if stale, and as tokens stream. Inactive: only mark stale.
    void setActive(bool active);
    // The newest finished analysis of this session; null before the first one (or no tokens).
    std::shared_ptr<const AnalysisSnapshot> snapshot() const override { return snapshot_; }
    bool isBusy() const { return watcher_.isRunning() || stale_; }
    // The message of a table the analysis refused (empty when fine).
    QString error() const { return error_; }

private:
    void onReset();
    void onAppended(int first, int last);
    void schedule();
    void start();
    void onFinished();

    TraceStore* store_;
    moe::analysis::RoutingTableBuilder builder_{false};
    std::shared_ptr<const moe::analysis::RoutingTable> imported_;
    std::shared_ptr<const AnalysisSnapshot> snapshot_;
    QFutureWatcher<std::shared_ptr<const AnalysisSnapshot>> watcher_;
    QTimer throttle_;
    QString error_;
    int session_ = 0, running_session_ = -1;
    bool active_ = false, stale_ = false;
};

}  // namespace moe::gui
