#include "gui_private/trace_import.h"

#include <QFile>
#include <QFileInfo>
#include <QtConcurrent/QtConcurrentRun>

#include "import/trace_reader.h"

namespace moe::gui {

SessionDocument sessionFromTable(std::shared_ptr<const moe::analysis::RoutingTable> trace, const QString& path) {
    const moe::analysis::RoutingTable& table = *trace;
    SessionDocument doc;
    moe::ModelInfo& info = doc.model;
    info.path = path.toStdString();
    info.name = table.model.empty() ? QFileInfo(path).fileName().toStdString() : table.model;
    info.n_expert = table.n_expert;
    info.n_expert_used = table.max_k;
    info.moe_layers = table.layers;
    info.n_layer = table.layers.empty() ? 0 : table.layers.back() + 1;
    info.n_leading_dense = table.layers.empty() ? 0 : table.layers.front();
    info.architecture = "imported trace";
    info.file_size = static_cast<uint64_t>(QFileInfo(path).size());

    const auto n_layers = static_cast<size_t>(table.layer_count());
    const auto k = static_cast<size_t>(table.max_k), n_expert = static_cast<size_t>(table.n_expert);
    doc.tokens.resize(table.token_count());
    for (size_t t = 0; t < table.token_count(); ++t) {
        moe::TokenTrace& trace = doc.tokens[t];
        trace.step = static_cast<int>(t);
        trace.pos = table.positions[t];
        trace.token_id = table.token_ids[t];
        if (t < table.texts.size()) trace.text = table.texts[t];
        trace.sequence = static_cast<int>(table.sequences[t]);
        trace.moe_layers.resize(n_layers);
        for (size_t l = 0; l < n_layers; ++l) {
            moe::LayerRouting& routing = trace.moe_layers[l];
            routing.layer = table.layers[l];
            const size_t slot = (t * n_layers + l) * k;
            const int size = table.set_size(t, static_cast<int>(l));
            routing.experts.assign(table.experts.begin() + static_cast<std::ptrdiff_t>(slot),
                                   table.experts.begin() + static_cast<std::ptrdiff_t>(slot + static_cast<size_t>(size)));
            if (!table.weights.empty())
                routing.weights.assign(table.weights.begin() + static_cast<std::ptrdiff_t>(slot),
                                       table.weights.begin() + static_cast<std::ptrdiff_t>(slot + static_cast<size_t>(size)));
            if (!table.probs.empty()) {
                const auto first = table.probs.begin() + static_cast<std::ptrdiff_t>((t * n_layers + l) * n_expert);
                routing.probs.assign(first, first + static_cast<std::ptrdiff_t>(n_expert));
            }
        }
    }
    doc.stats.prompt_tokens = static_cast<int>(table.token_count());
    doc.imported = std::move(trace);
    return doc;
}

bool isTraceFile(const QString& path) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("npz") || suffix == QLatin1String("npy") || suffix == QLatin1String("csv")) return true;
    if (suffix != QLatin1String("json")) return false;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return false;
    // A vLLM response names its choices near the start; anything else is read (and its errors
    // reported) as a session.
    const QByteArray head = file.read(4096);
    return !head.contains("\"moescope-session\"") && (head.contains("\"choices\"") || head.contains("routed_experts\""));
}

TraceImporter::TraceImporter(QObject* parent) : QObject(parent) {
    connect(&watcher_, &QFutureWatcher<void>::progressValueChanged, this,
            [this](int permille) { Q_EMIT progress(permille / 1000.0); });
    connect(&watcher_, &QFutureWatcher<void>::finished, this, &TraceImporter::onFinished);
}

TraceImporter::~TraceImporter() {
    cancel();
    watcher_.waitForFinished();
}

void TraceImporter::start(const QString& path) {
    cancel();
    watcher_.waitForFinished();
    path_ = path;
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    result_ = std::make_shared<Result>();
    watcher_.setFuture(QtConcurrent::run([path, cancel = cancel_, out = result_](QPromise<void>& promise) {
        Result& result = *out;
        promise.setProgressRange(0, 1000);
        moe::import::TraceReadOptions options;
        options.progress = [&promise, &cancel](double fraction) {
            promise.setProgressValue(static_cast<int>(1000.0 * fraction));
            return !cancel->load();
        };
        try {
            auto table = moe::import::read_trace(path.toStdString(), options);
            result.doc = sessionFromTable(std::make_shared<moe::analysis::RoutingTable>(std::move(table)), path);
        } catch (const moe::import::ReadCancelled&) {
            result.cancelled = true;  // nothing half-loaded is kept
        } catch (const std::exception& e) {
            result.error = QString::fromStdString(e.what());
        }
    }));
}

void TraceImporter::cancel() {
    if (cancel_) cancel_->store(true);
}

SessionDocument TraceImporter::takeDocument() { return std::move(doc_); }

void TraceImporter::onFinished() {
    doc_ = std::move(result_->doc);
    Q_EMIT finished(path_, result_->error, result_->cancelled);
}

}  // namespace moe::gui
