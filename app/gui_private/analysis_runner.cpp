#include "gui_private/analysis_runner.h"

#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "analysis/routing_analysis.h"
#include "gui_private/analysis_pool.h"
#include "gui_private/trace_store.h"

namespace moe::gui {

std::vector<int> appCacheSizes(int n_expert, int max_k) {
    if (max_k <= 0 || n_expert < max_k) return {};
    std::set<int> sizes = {max_k, n_expert};
    if (2 * max_k <= n_expert) sizes.insert(2 * max_k);
    const int step = std::max(1, (n_expert - max_k) / 16);
    for (int size = max_k; size <= n_expert; size += step) sizes.insert(size);
    return {sizes.begin(), sizes.end()};
}

std::shared_ptr<const AnalysisSnapshot> analyzeForApp(std::shared_ptr<const moe::analysis::RoutingTable> table) {
    auto snapshot = std::make_shared<AnalysisSnapshot>();
    moe::analysis::AnalysisOptions options;
    options.cache_sizes = appCacheSizes(table->n_expert, table->max_k);
    snapshot->report = moe::analysis::analyze_table(*table, options);
    snapshot->table = std::move(table);
    return snapshot;
}

AnalysisRunner::AnalysisRunner(TraceStore* store, QObject* parent) : AnalysisSource(parent), store_(store) {
    throttle_.setSingleShot(true);
    connect(&throttle_, &QTimer::timeout, this, &AnalysisRunner::start);
    connect(&watcher_, &QFutureWatcherBase::finished, this, &AnalysisRunner::onFinished);
    connect(store_, &TraceStore::resetDone, this, &AnalysisRunner::onReset);
    connect(store_, &TraceStore::tokensAppended, this, &AnalysisRunner::onAppended);
    onReset();
}

AnalysisRunner::~AnalysisRunner() { watcher_.waitForFinished(); }

void AnalysisRunner::setActive(bool active) {
    active_ = active;
    if (active_ && stale_) schedule();
}

void AnalysisRunner::onReset() {
    ++session_;
    builder_ = moe::analysis::RoutingTableBuilder(false);
    imported_ = store_->document().imported;
    snapshot_.reset();
    error_.clear();
    stale_ = false;
    Q_EMIT updated();
    if (store_->tokenCount() > 0) onAppended(0, store_->tokenCount() - 1);
}

void AnalysisRunner::onAppended(int first, int last) {
    if (!imported_) {
        try {
            for (int t = first; t <= last; ++t) {
                if (!store_->token(t).moe_layers.empty()) builder_.add(store_->token(t));
            }
        } catch (const std::exception& e) {
            error_ = QString::fromStdString(e.what());
        }
    }
    stale_ = true;
    if (active_ && !throttle_.isActive()) throttle_.start(snapshot_ ? kRefreshMs : 0);
}

void AnalysisRunner::schedule() {
    if (!throttle_.isActive()) throttle_.start(0);
}

void AnalysisRunner::start() {
    if (watcher_.isRunning() || !stale_) return;  // onFinished starts the next one
    stale_ = false;
    // The copy is the only GUI-thread cost: 2 bytes per id.
    auto table = imported_ ? imported_ : std::make_shared<const moe::analysis::RoutingTable>(builder_.table());
    if (table->token_count() == 0 || !error_.isEmpty()) return;
    running_session_ = session_;
    watcher_.setFuture(QtConcurrent::run(analysisPool(), [table]() -> std::shared_ptr<const AnalysisSnapshot> {
        lowerThisThreadPriority();
        try {
            return analyzeForApp(table);
        } catch (const std::exception&) {
            return nullptr;  // check_table's refusal; the table was checked when it was built
        }
    }));
}

void AnalysisRunner::onFinished() {
    auto result = watcher_.result();
    if (running_session_ == session_ && result) {
        snapshot_ = std::move(result);
        Q_EMIT updated();
    }
    if (stale_ && active_) throttle_.start(kRefreshMs);
}

}  // namespace moe::gui
