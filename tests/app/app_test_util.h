// Helpers for the app tests: QAbstractItemModelTester on every model (its complaints are
// collected and turned into test failures), waiting on signals, the model file to run.
#pragma once

#include <QAbstractItemModelTester>
#include <QSignalSpy>

#include "engine/engine.h"
#include "gui_private/synthetic_trace.h"

namespace moe::gui {
class MainWindow;
}

#include <memory>
#include <string>
#include <vector>

namespace moe::test {

// Routes "qt.modeltest" warnings into a list that ModelTesters::complaints() returns.
void installModelTesterMessageHandler();

// Attaches a QAbstractItemModelTester to each model; complaints() lists what they found.
class ModelTesters {
public:
    void attach(QAbstractItemModel* model);
    static QStringList complaints();
    static void clearComplaints();

private:
    std::vector<std::unique_ptr<QAbstractItemModelTester>> testers_;
};

// Waits until `spy` has at least `count` signals or `timeout_ms` passed.
bool waitForSignals(QSignalSpy& spy, int count = 1, int timeout_ms = 60000);

// A small synthetic model for widget tests (no shared expert unless asked).
moe::gui::SyntheticShape smallShape(int n_layer, int n_expert, int n_expert_used, int prompt_tokens, int n_expert_shared = 0);

// The window shows `tokens` tokens of a synthetic run of `shape` (model info with the given
// total and active parameter counts when they are not zero).
void showSyntheticRun(moe::gui::MainWindow& window, const moe::gui::SyntheticShape& shape, int tokens,
                      int64_t params_total = 0, int64_t params_active = 0);

// The same request straight through the engine on this thread: every token's trace.
std::vector<moe::TokenTrace> directTrace(const std::string& path, const moe::GenerationRequest& request,
                                         const moe::SessionOptions& options = {});

// A GGUF the engine can run: the bundled demo model, else the conformance deepseek2 model.
// Empty if neither exists.
std::string runnableModelPath();

}  // namespace moe::test
