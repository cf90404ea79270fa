#include "app/app_test_util.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QMutex>

#include "engine/demo_model.h"
#include "gui_private/trace_store.h"
#include "widgets/main_window.h"
#include "support/test_support.h"

namespace moe::test {

moe::gui::SyntheticShape smallShape(int n_layer, int n_expert, int n_expert_used, int prompt_tokens, int n_expert_shared) {
    moe::gui::SyntheticShape s;
    s.n_layer = n_layer;
    s.n_expert = n_expert;
    s.n_expert_used = n_expert_used;
    s.n_expert_shared = n_expert_shared;
    s.prompt_tokens = prompt_tokens;
    return s;
}

void showSyntheticRun(moe::gui::MainWindow& window, const moe::gui::SyntheticShape& shape, int tokens, int64_t params_total,
                      int64_t params_active) {
    moe::ModelInfo info = moe::gui::syntheticModelInfo(shape);
    if (params_total > 0) {
        info.params_total = params_total;
        info.params_active = params_active;
    }
    window.store()->resetModel(info);
    window.store()->appendTokens(moe::gui::syntheticTokens(shape, 0, tokens));
}

namespace {
QMutex complaints_mutex;
QStringList complaints_list;
QtMessageHandler previous_handler = nullptr;

void handler(QtMsgType type, const QMessageLogContext& context, const QString& message) {
    if (context.category && QLatin1String(context.category).startsWith(QLatin1String("qt.modeltest")) &&
        type >= QtWarningMsg) {
        QMutexLocker lock(&complaints_mutex);
        complaints_list << message;
    }
    if (previous_handler) previous_handler(type, context, message);
}
}  // namespace

void installModelTesterMessageHandler() { previous_handler = qInstallMessageHandler(handler); }

void ModelTesters::attach(QAbstractItemModel* model) {
    testers_.push_back(std::make_unique<QAbstractItemModelTester>(
        model, QAbstractItemModelTester::FailureReportingMode::Warning));
}

QStringList ModelTesters::complaints() {
    QMutexLocker lock(&complaints_mutex);
    return complaints_list;
}

void ModelTesters::clearComplaints() {
    QMutexLocker lock(&complaints_mutex);
    complaints_list.clear();
}

bool waitForSignals(QSignalSpy& spy, int count, int timeout_ms) {
    QElapsedTimer timer;
    timer.start();
    while (spy.count() < count && timer.elapsed() < timeout_ms) spy.wait(std::max<int>(1, timeout_ms - static_cast<int>(timer.elapsed())));
    return spy.count() >= count;
}

std::string runnableModelPath() {
    const std::string demo = moe::demo_model_path();
    if (QFileInfo(QString::fromStdString(demo)).isFile()) return demo;
    const std::string dir = conformance_dir();
    const std::string fixture = dir + "/models/deepseek2-f32.gguf";
    return !dir.empty() && QFileInfo(QString::fromStdString(fixture)).isFile() ? fixture : std::string();
}

std::vector<moe::TokenTrace> directTrace(const std::string& path, const moe::GenerationRequest& request,
                                         const moe::SessionOptions& options) {
    auto model = moe::Model::load(path);
    moe::Session session(model, options);
    std::vector<moe::TokenTrace> traces;
    moe::GenerationEvents events;
    events.on_trace = [&](const moe::TokenTrace& t) { traces.push_back(t); };
    session.generate(request, events);
    return traces;
}

}  // namespace moe::test
