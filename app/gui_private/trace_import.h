// Opening a routing trace recorded elsewhere (.npz, vLLM response JSON, routing CSV) as a
// session without a model: the routing views, load and analysis work; what the recorder did
// not write (router probabilities, timings) stays empty and the views say so.
#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QString>

#include <atomic>
#include <memory>

#include "analysis/routing_table.h"
#include "gui_private/trace_store.h"

namespace moe::gui {

// The session an imported trace becomes: a ModelInfo holding only what the trace says (name,
// experts, MoE blocks, top-k), one TokenTrace per token with its chosen experts, and the table.
SessionDocument sessionFromTable(std::shared_ptr<const moe::analysis::RoutingTable> trace, const QString& path);

// True for what Open Trace reads (.npz, .npy, .csv, or .json that looks like a vLLM response).
bool isTraceFile(const QString& path);

// Reads a trace on a pool thread; the GUI thread only gets progress and the finished document.
class TraceImporter : public QObject {
    Q_OBJECT
public:
    explicit TraceImporter(QObject* parent = nullptr);
    ~TraceImporter() override;  // cancels and waits, so no pool thread outlives it

    void start(const QString& path);  // a running import is cancelled first
    void cancel();
    bool isRunning() const { return watcher_.isRunning(); }
    // After finished() without an error: the session to swap in.
    SessionDocument takeDocument();

Q_SIGNALS:
    void progress(double fraction);
    void finished(const QString& path, const QString& error, bool cancelled);

private:
    struct Result {
        SessionDocument doc;
        QString error;
        bool cancelled = false;
    };
    void onFinished();

    // The result travels beside the future, not in it: QFuture::takeResult resets the future's
    // finished state, and result() would copy a whole trace.
    QFutureWatcher<void> watcher_;
    std::shared_ptr<Result> result_;
    std::shared_ptr<std::atomic<bool>> cancel_;
    QString path_;
    SessionDocument doc_;
};

}  // namespace moe::gui
