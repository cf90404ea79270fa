// moescope: the desktop app. `moescope [model.gguf | session.json]`; with no argument the
// bundled demo model is loaded. --screenshot and --bench-gui serve the docs and the benchmark.
#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QStatusBar>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>

#include "engine/demo_model.h"
#include "gui_private/analysis_runner.h"
#include "gui_private/profile_runner.h"
#include "gui_private/run_models.h"
#include "gui_private/exports.h"
#include "gui_private/trace_import.h"
#include "gui_private/trace_store.h"
#include "widgets/analysis_page.h"
#include "widgets/compare_page.h"
#include "widgets/gui_benchmark.h"
#include "widgets/language.h"
#include "widgets/main_window.h"
#include "widgets/profile_page.h"
#include "widgets/routing_guide.h"
#include "widgets/view_panel.h"

using moe::gui::MainWindow;

namespace {

// What to do once the run (or the opened session) is on screen, then quit.
struct FinishActions {
    QString routing_csv, latency_csv, screenshot;
    QString view;  // a panel title: export that view instead of the window
    bool guide = false;  // screenshot the routing guide instead of the window
    int select_token = -1;
    int select_layer = -1;   // block index
    int select_expert = -1;
    bool any() const { return !routing_csv.isEmpty() || !latency_csv.isEmpty() || !screenshot.isEmpty(); }
};

QString unknownViewMessage(const MainWindow& window, const QString& view) {
    QStringList titles;
    for (const moe::gui::ViewPanel* panel : window.panels()) titles << QStringLiteral("\"%1\"").arg(panel->title());
    return QStringLiteral("no view titled \"%1\"; the views are %2 (\"x\" may stand for \"\u00d7\")")
        .arg(view, titles.join(QStringLiteral(", ")));
}

// A screenshot of the Analysis, Profile or Compare page waits until its numbers are computed.
void whenAnalysed(MainWindow& window, const std::function<void()>& then) {
    const bool analysing = window.analysisPage()->isVisible() && window.analysisPage()->runner()->isBusy();
    const bool profiling = window.profilePage()->isVisible() && window.profilePage()->runner()->isBusy();
    const bool comparing = window.comparePage()->isVisible() && window.comparePage()->comparisonModel()->isBusy();
    if (!analysing && !profiling && !comparing) {
        then();
        return;
    }
    QTimer::singleShot(100, &window, [&window, then] { whenAnalysed(window, then); });
}

void finishAndQuit(MainWindow& window, const FinishActions& actions) {
    QStringList errors;
    if (!actions.routing_csv.isEmpty()) errors << window.exportRoutingCsv(actions.routing_csv);
    if (!actions.latency_csv.isEmpty()) errors << window.exportLatencyCsv(actions.latency_csv);
    if (actions.select_token >= 0) window.store()->selectToken(actions.select_token);
    const auto& moe_layers = window.store()->modelInfo().moe_layers;
    const auto layer = std::find(moe_layers.begin(), moe_layers.end(), actions.select_layer);
    if (layer != moe_layers.end()) window.store()->selectLayer(static_cast<int>(layer - moe_layers.begin()));
    if (actions.select_expert >= 0) window.store()->selectExpert(actions.select_expert);
    moe::gui::ViewPanel* panel = actions.view.isEmpty() ? nullptr : window.showPanel(actions.view);
    // Give the charts' refresh timers a moment before grabbing.
    whenAnalysed(window, [&window, actions, errors, panel] {
    QTimer::singleShot(400, &window, [&window, actions, errors, panel]() mutable {
        if (!actions.screenshot.isEmpty() && actions.guide) {
            QWidget* guide = window.openGuide();
            errors << moe::gui::exportView(moe::gui::rendererFor(guide), actions.screenshot, QString());
        } else if (!actions.screenshot.isEmpty() && actions.view.isEmpty()) {
            errors << moe::gui::exportView(moe::gui::rendererFor(&window), actions.screenshot, QStringLiteral("MoEScope"));
        } else if (!actions.screenshot.isEmpty()) {
            errors << (panel ? panel->exportTo(actions.screenshot) : unknownViewMessage(window, actions.view));
        }
        errors.removeAll(QString());
        for (const QString& e : errors) std::fprintf(stderr, "moescope: %s\n", qPrintable(e));
        QApplication::exit(errors.isEmpty() ? 0 : 1);
    });
    });
}

}  // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("MoEScope"));
    QApplication::setApplicationName(QStringLiteral("MoEScope"));
    QApplication::setApplicationVersion(QStringLiteral("0.1.0"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Watch a Mixture-of-Experts model route tokens."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("A GGUF model, a saved session (.json) or a routing trace (.npz, vLLM .json, .csv)."));
    const QCommandLineOption screenshot({QStringLiteral("screenshot")},
                                        QStringLiteral("Run the prompt, save a PNG of the window, quit."), QStringLiteral("png"));
    const QCommandLineOption prompt({QStringLiteral("prompt")}, QStringLiteral("Prompt to run at start."), QStringLiteral("text"));
    const QCommandLineOption max_tokens({QStringLiteral("max-tokens")}, QStringLiteral("Tokens to generate."), QStringLiteral("n"));
    const QCommandLineOption temperature({QStringLiteral("temperature")}, QStringLiteral("Sampling temperature (0: greedy)."),
                                         QStringLiteral("t"));
    const QCommandLineOption seed({QStringLiteral("seed")}, QStringLiteral("Sampling seed."), QStringLiteral("n"));
    const QCommandLineOption tab({QStringLiteral("tab")}, QStringLiteral("routing, timing, compute, tokens, analysis, whatif, compare or profile."), QStringLiteral("name"));
    const QCommandLineOption select({QStringLiteral("select-token")}, QStringLiteral("Pin this token before the screenshot."),
                                    QStringLiteral("index"));
    const QCommandLineOption view({QStringLiteral("view")},
                                  QStringLiteral("With --screenshot: export only the view with this title (PNG or SVG)."),
                                  QStringLiteral("title"));
    const QCommandLineOption size({QStringLiteral("size")}, QStringLiteral("Window size, WxH."), QStringLiteral("WxH"));
    const QCommandLineOption bench({QStringLiteral("bench-gui")},
                                   QStringLiteral("Stream a synthetic trace of n tokens (27 layers x 64 experts) and report timings."),
                                   QStringLiteral("n"));
    const QCommandLineOption bench_shape({QStringLiteral("bench-shape")},
                                         QStringLiteral("With --bench-gui: LAYERSxEXPERTS[xTOPK] of the synthetic trace."),
                                         QStringLiteral("shape"));
    const QCommandLineOption bench_live({QStringLiteral("bench-live")},
                                        QStringLiteral("Load the model, generate n tokens, report the longest GUI stall."),
                                        QStringLiteral("n"));
    const QCommandLineOption routing_csv({QStringLiteral("export-routing")},
                                         QStringLiteral("After the run, write the routing CSV and quit."), QStringLiteral("csv"));
    const QCommandLineOption latency_csv({QStringLiteral("export-latency")},
                                         QStringLiteral("After the run, write the latency CSV and quit."), QStringLiteral("csv"));
    const QCommandLineOption language({QStringLiteral("language")},
                                      QStringLiteral("Interface language for this run: en or zh_CN (default: View > Language, else the system's)."),
                                      QStringLiteral("name"));
    const QCommandLineOption what_if({QStringLiteral("what-if")},
                                     QStringLiteral("After the run, disable these experts (LAYER:EXPERT, comma-separated) and run a what-if; "
                                                    "--screenshot waits for it."),
                                     QStringLiteral("experts"));
    const QCommandLineOption profile({QStringLiteral("profile-corpus")},
                                     QStringLiteral("Once the model is loaded, profile the bundled corpus (before the prompt runs)."));
    const QCommandLineOption select_layer({QStringLiteral("select-layer")}, QStringLiteral("Select this MoE block before the screenshot."),
                                          QStringLiteral("block"));
    const QCommandLineOption select_expert({QStringLiteral("select-expert")},
                                           QStringLiteral("Select this expert (the inspectors) before the screenshot."),
                                           QStringLiteral("expert"));
    const QCommandLineOption guide({QStringLiteral("guide")}, QStringLiteral("Open Help > How MoE routing works (with --screenshot: grab it)."));
    parser.addOptions({screenshot, prompt, max_tokens, tab, select, size, bench, bench_shape, bench_live, routing_csv, latency_csv, view, temperature,
                       seed, language, guide, what_if, profile, select_layer, select_expert});
    parser.process(app);
    moe::gui::applyLanguage(parser.isSet(language) ? parser.value(language) : moe::gui::savedLanguage());

    MainWindow window;
    if (parser.isSet(size)) {
        const QStringList wh = parser.value(size).split(QLatin1Char('x'));
        if (wh.size() == 2) window.resize(wh[0].toInt(), wh[1].toInt());
    }
    if (parser.isSet(tab)) window.showTab(parser.value(tab));
    if (parser.isSet(max_tokens)) window.setMaxTokens(parser.value(max_tokens).toInt());
    if (parser.isSet(prompt)) window.setPrompt(parser.value(prompt));
    if (parser.isSet(temperature) || parser.isSet(seed)) {
        window.setSampling(parser.value(temperature).toDouble(), parser.value(seed).toInt());
    }
    window.show();

    if (parser.isSet(bench)) {
        moe::gui::SyntheticShape shape;
        if (parser.isSet(bench_shape)) {
            const QStringList parts = parser.value(bench_shape).split(QLatin1Char('x'));
            const int layers = parts.value(0).toInt(), experts = parts.value(1).toInt();
            const int top_k = parts.size() > 2 ? parts.value(2).toInt() : 8;
            if (parts.size() < 2 || parts.size() > 3 || layers < 2 || layers > 1024 || experts < 2 || experts > 512 ||
                top_k < 1 || top_k > experts) {
                std::fprintf(stderr, "moescope: --bench-shape '%s' is not LAYERSxEXPERTS[xTOPK] (2-1024 layers, "
                                     "2-512 experts, top-k up to the experts)\n", qPrintable(parser.value(bench_shape)));
                return 2;
            }
            shape.n_layer = layers;
            shape.n_expert = experts;
            shape.n_expert_used = top_k;
        }
        const auto result = moe::gui::runGuiBenchmark(window, parser.value(bench).toInt(), 400, shape);
        std::printf("%s", qPrintable(result.report()));
        if (!parser.isSet(screenshot)) return 0;
        FinishActions finish;
        finish.screenshot = parser.value(screenshot);
        finishAndQuit(window, finish);
        return app.exec();
    }

    const QString file = parser.positionalArguments().value(0);
    const bool is_session = file.endsWith(QLatin1String(".json"), Qt::CaseInsensitive);
    FinishActions finish;
    finish.select_token = parser.isSet(select) ? parser.value(select).toInt() : -1;
    finish.select_layer = parser.isSet(select_layer) ? parser.value(select_layer).toInt() : -1;
    finish.select_expert = parser.isSet(select_expert) ? parser.value(select_expert).toInt() : -1;
    finish.screenshot = parser.value(screenshot);
    finish.view = parser.value(view);
    finish.guide = parser.isSet(guide);
    if (finish.guide && finish.screenshot.isEmpty()) window.openGuide();
    finish.routing_csv = parser.value(routing_csv);
    finish.latency_csv = parser.value(latency_csv);

    const bool exports = !finish.routing_csv.isEmpty() || !finish.latency_csv.isEmpty();
    if (moe::gui::isTraceFile(file)) {
        QObject::connect(&window, &MainWindow::traceOpened, &window, [&](bool ok) {
            if (!ok && exports) {  // as for sessions: no export of an empty trace
                std::fprintf(stderr, "moescope: %s\n", qPrintable(window.messageText()));
                QApplication::exit(1);
            } else if (finish.any()) {
                finishAndQuit(window, finish);
            }
        });
        window.openTraceFile(file);
        return app.exec();
    }
    if (is_session) {
        // Scripted use: a session that cannot be opened must not export an empty one (a
        // screenshot still shows the window with its message bar).
        if (!window.openSessionFile(file) && exports) {
            std::fprintf(stderr, "moescope: %s\n", qPrintable(window.messageText()));
            return 1;
        }
        if (finish.any()) finishAndQuit(window, finish);
        return app.exec();
    }
    const QString model = file.isEmpty() ? moe::gui::findDemoModel() : file;
    if (!model.isEmpty()) {
        window.openModel(model);
    } else {
        window.statusBar()->showMessage(QStringLiteral("The bundled demo model was not found (%1).")
                                            .arg(QString::fromStdString(moe::demo_model_path())));
    }
    if (parser.isSet(bench_live)) {
        QObject::connect(window.controller(), &moe::gui::InferenceController::modelLoaded, &window, [&] {
            const auto result = moe::gui::runLiveBenchmark(window, parser.value(bench_live).toInt());
            std::printf("%s", qPrintable(result.report()));
            QApplication::exit(0);
        });
        QObject::connect(window.controller(), &moe::gui::InferenceController::loadFailed, &window,
                         [](const QString& message) {
                             std::fprintf(stderr, "%s\n", qPrintable(message));
                             QApplication::exit(1);
                         });
        return app.exec();
    }
    const bool run_at_start = parser.isSet(prompt) || finish.any();
    QObject::connect(window.controller(), &moe::gui::InferenceController::modelLoaded, &window, [&] {
        if (parser.isSet(profile)) window.profilePage()->startProfile(moe::gui::bundledProfileRequest());
        else if (run_at_start) window.run();
    });
    QObject::connect(window.controller(), &moe::gui::InferenceController::profileFinished, &window, [&] {
        if (run_at_start) window.run();
    });
    if (finish.any()) {
        QObject::connect(window.controller(), &moe::gui::InferenceController::loadFailed, &window,
                         [&] { finishAndQuit(window, finish); });
        if (parser.isSet(what_if)) {
            QObject::connect(window.controller(), &moe::gui::InferenceController::generationFinished, &window, [&] {
                moe::RoutingOverrides overrides;
                for (const QString& pair : parser.value(what_if).split(QLatin1Char(','), Qt::SkipEmptyParts))
                    overrides.disabled.insert({pair.section(QLatin1Char(':'), 0, 0).toInt(), pair.section(QLatin1Char(':'), 1).toInt()});
                window.store()->setOverrides(overrides);
                window.runWhatIf();
            });
            QObject::connect(window.controller(), &moe::gui::InferenceController::whatIfFinished, &window, [&] {
                if (parser.isSet(tab)) window.showTab(parser.value(tab));
                finishAndQuit(window, finish);
            });
        } else {
            QObject::connect(window.controller(), &moe::gui::InferenceController::generationFinished, &window,
                             [&] { finishAndQuit(window, finish); });
        }
        if (model.isEmpty()) finishAndQuit(window, finish);
    }
    return app.exec();
}
