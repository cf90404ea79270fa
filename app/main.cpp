// moescope: the desktop app. `moescope [model.gguf | session.json]`; with no argument the
// bundled demo model is loaded. --screenshot and --bench-gui serve the docs and the benchmark.
#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QTimer>

#include <cstdio>

#include "gui_private/exports.h"
#include "gui_private/trace_store.h"
#include "widgets/gui_benchmark.h"
#include "widgets/main_window.h"
#include "widgets/view_panel.h"

using moe::gui::MainWindow;

namespace {

// After the run (or the session) is on screen: optionally pin a token, then grab the window.
void grabAndQuit(MainWindow& window, const QString& path, int select_token) {
    if (select_token >= 0) window.store()->selectToken(select_token);
    QTimer::singleShot(400, &window, [&window, path] {
        const QString error = moe::gui::exportView(moe::gui::rendererFor(&window), path, QStringLiteral("MoEScope"));
        if (!error.isEmpty()) std::fprintf(stderr, "screenshot: %s\n", qPrintable(error));
        QApplication::exit(error.isEmpty() ? 0 : 1);
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
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("A GGUF model or a saved session (.json)."));
    const QCommandLineOption screenshot({QStringLiteral("screenshot")},
                                        QStringLiteral("Run the prompt, save a PNG of the window, quit."), QStringLiteral("png"));
    const QCommandLineOption prompt({QStringLiteral("prompt")}, QStringLiteral("Prompt to run at start."), QStringLiteral("text"));
    const QCommandLineOption max_tokens({QStringLiteral("max-tokens")}, QStringLiteral("Tokens to generate."), QStringLiteral("n"));
    const QCommandLineOption tab({QStringLiteral("tab")}, QStringLiteral("routing, timing, compute or tokens."), QStringLiteral("name"));
    const QCommandLineOption select({QStringLiteral("select-token")}, QStringLiteral("Pin this token before the screenshot."),
                                    QStringLiteral("index"));
    const QCommandLineOption size({QStringLiteral("size")}, QStringLiteral("Window size, WxH."), QStringLiteral("WxH"));
    const QCommandLineOption bench({QStringLiteral("bench-gui")},
                                   QStringLiteral("Stream a synthetic trace of n tokens (27 layers x 64 experts) and report timings."),
                                   QStringLiteral("n"));
    const QCommandLineOption bench_live({QStringLiteral("bench-live")},
                                        QStringLiteral("Load the model, generate n tokens, report the longest GUI stall."),
                                        QStringLiteral("n"));
    parser.addOptions({screenshot, prompt, max_tokens, tab, select, size, bench, bench_live});
    parser.process(app);

    MainWindow window;
    if (parser.isSet(size)) {
        const QStringList wh = parser.value(size).split(QLatin1Char('x'));
        if (wh.size() == 2) window.resize(wh[0].toInt(), wh[1].toInt());
    }
    if (parser.isSet(tab)) window.showTab(parser.value(tab));
    if (parser.isSet(max_tokens)) window.setMaxTokens(parser.value(max_tokens).toInt());
    if (parser.isSet(prompt)) window.setPrompt(parser.value(prompt));
    window.show();

    if (parser.isSet(bench)) {
        const auto result = moe::gui::runGuiBenchmark(window, parser.value(bench).toInt(), 400);
        std::printf("%s", qPrintable(result.report()));
        return 0;
    }

    const QString file = parser.positionalArguments().value(0);
    const bool is_session = file.endsWith(QLatin1String(".json"), Qt::CaseInsensitive);
    const int select_token = parser.isSet(select) ? parser.value(select).toInt() : -1;
    const QString shot = parser.value(screenshot);

    if (is_session) {
        window.openSessionFile(file);
        if (!shot.isEmpty()) grabAndQuit(window, shot, select_token);
        return app.exec();
    }
    const QString model = file.isEmpty() ? moe::gui::findDemoModel() : file;
    if (model.isEmpty()) {
        window.statusBar();  // the card already says no model is loaded
    } else {
        window.openModel(model);
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
    const bool run_at_start = parser.isSet(prompt) || !shot.isEmpty();
    QObject::connect(window.controller(), &moe::gui::InferenceController::modelLoaded, &window, [&] {
        if (run_at_start) window.run();
        else if (!shot.isEmpty()) grabAndQuit(window, shot, select_token);
    });
    QObject::connect(window.controller(), &moe::gui::InferenceController::loadFailed, &window, [&] {
        if (!shot.isEmpty()) grabAndQuit(window, shot, select_token);
    });
    if (!shot.isEmpty()) {
        QObject::connect(window.controller(), &moe::gui::InferenceController::generationFinished, &window,
                         [&] { grabAndQuit(window, shot, select_token); });
        if (model.isEmpty()) grabAndQuit(window, shot, select_token);
    }
    return app.exec();
}
