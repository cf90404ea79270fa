#include "gui_private/profile_runner.h"

#include <QtConcurrent/QtConcurrentRun>

#include <utility>

#include "gui_private/analysis_pool.h"
#include "gui_private/trace_store.h"

namespace moe::gui {

ProfileRunner::ProfileRunner(TraceStore* store, QObject* parent) : AnalysisSource(parent), store_(store) {
    connect(&watcher_, &QFutureWatcherBase::finished, this, &ProfileRunner::onFinished);
    connect(store_, &TraceStore::profileChanged, this, &ProfileRunner::onProfileChanged);
    onProfileChanged();
}

ProfileRunner::~ProfileRunner() { watcher_.waitForFinished(); }

void ProfileRunner::onProfileChanged() {
    const ProfileTable table = store_->document().profile;
    if (!table && profile_) {
        profile_.reset();
        Q_EMIT updated();
    }
    if (!table || (profile_ && profile_->table == table) || watcher_.isRunning()) return;  // onFinished goes on
    analysing_ = table;
    watcher_.setFuture(QtConcurrent::run(analysisPool(), [table]() -> std::shared_ptr<const ProfileSnapshot> {
        lowerThisThreadPriority();
        try {
            return analyzeProfile(table);
        } catch (const std::exception&) {
            return nullptr;  // check_table's refusal; tables are checked when built or read
        }
    }));
}

void ProfileRunner::onFinished() {
    const auto result = watcher_.result();
    const ProfileTable analysed = std::exchange(analysing_, nullptr);
    const ProfileTable wanted = store_->document().profile;
    if (result && wanted == analysed) {
        profile_ = result;
        Q_EMIT updated();
    } else if (wanted != analysed) {
        onProfileChanged();  // the store got another profile meanwhile
    }
}

}  // namespace moe::gui
