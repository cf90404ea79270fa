#include "widgets/main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QProgressDialog>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include "analysis/table_builder.h"
#include "engine/demo_model.h"
#include "gui_private/exports.h"
#include "gui_private/session_file.h"
#include "gui_private/trace_import.h"
#include "gui_private/trace_store.h"
#include "import/npz_trace.h"
#include "widgets/analysis_page.h"
#include "widgets/compute_page.h"
#include "widgets/font_coverage.h"
#include "widgets/language.h"
#include "widgets/model_card.h"
#include "widgets/prompt_panel.h"
#include "widgets/routing_guide.h"
#include "widgets/routing_page.h"
#include "widgets/timing_page.h"
#include "widgets/tokens_page.h"
#include "widgets/compare_page.h"
#include "widgets/profile_page.h"
#include "widgets/routing_overrides_box.h"
#include "widgets/what_if_page.h"
#include "widgets/translated.h"
#include "widgets/view_panel.h"

// The icons live in this static library; its resources must be registered explicitly
// (outside any namespace, as Q_INIT_RESOURCE requires).
static void initIconResources() { Q_INIT_RESOURCE(icons); }

namespace moe::gui {

namespace {
constexpr int kMaxRecent = 8;
// Docks close from their title bar and come back from the View menu.
constexpr QDockWidget::DockWidgetFeatures kDockFeatures =
    QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable | QDockWidget::DockWidgetClosable;
const auto kRecentKey = QStringLiteral("recentModels");
}  // namespace

QString findDemoModel() {
    const QString path = QString::fromStdString(moe::demo_model_path());
    return QFileInfo(path).isFile() ? QFileInfo(path).absoluteFilePath() : QString();
}

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      store_(new TraceStore(this)),
      controller_(new InferenceController(store_, this)) {
    initIconResources();
    setWindowIcon(QIcon(QStringLiteral(":/icons/moescope.svg")));
    setAcceptDrops(true);
    setDockNestingEnabled(true);

    buildActions();

    auto* central = new QWidget;
    auto* central_layout = new QVBoxLayout(central);
    central_layout->setContentsMargins(4, 4, 4, 0);
    message_frame_ = new QFrame;
    message_frame_->setObjectName(QStringLiteral("messageBar"));
    message_frame_->setStyleSheet(QStringLiteral(
        "#messageBar { background: #fdecea; border: 1px solid #e0a8a0; border-radius: 3px; }"));
    auto* message_layout = new QHBoxLayout(message_frame_);
    message_layout->setContentsMargins(8, 4, 4, 4);
    message_bar_ = new QLabel;
    message_bar_->setWordWrap(true);
    message_bar_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* close_message = new QToolButton;
    close_message->setText(QStringLiteral("\u2715"));
    close_message->setAutoRaise(true);
    connect(close_message, &QToolButton::clicked, this, &MainWindow::hideMessage);
    message_layout->addWidget(message_bar_, 1);
    message_layout->addWidget(close_message);
    message_frame_->hide();
    central_layout->addWidget(message_frame_);

    tabs_ = new QTabWidget;
    tabs_->setDocumentMode(true);
    routing_page_ = addPage(new RoutingPage(store_));
    timing_page_ = addPage(new TimingPage(store_));
    compute_page_ = addPage(new ComputePage(store_));
    tokens_page_ = addPage(new TokensPage(store_));
    analysis_page_ = addPage(new AnalysisPage(store_));
    what_if_page_ = addPage(new WhatIfPage(store_));
    compare_page_ = addPage(new ComparePage(store_));
    profile_page_ = addPage(new ProfilePage(store_, controller_));
    translated(this, [this] {
        const char* names[] = {QT_TR_NOOP("Routing"), QT_TR_NOOP("Timing"),   QT_TR_NOOP("Compute"), QT_TR_NOOP("Tokens"),
                               QT_TR_NOOP("Analysis"), QT_TR_NOOP("What-if"), QT_TR_NOOP("Compare"), QT_TR_NOOP("Profile")};
        for (int i = 0; i < 8; ++i) tabs_->setTabText(i, tr(names[i]));
    });
    central_layout->addWidget(tabs_, 1);
    setCentralWidget(central);

    buildDocks();
    QMenu* view = withText(this, menuBar()->addMenu(QString()), QT_TR_NOOP("&View"));
    // Stepping through the selection from the keyboard; Alt keeps the prompt editor's arrows free.
    auto step_token = [this](int delta) {
        if (store_->tokenCount() == 0) return;
        store_->selectToken(std::clamp(store_->selectedToken() + delta, 0, store_->tokenCount() - 1));
    };
    auto step_layer = [this](int delta) {
        if (store_->moeLayerCount() == 0) return;
        store_->selectLayer(std::clamp(store_->selectedLayer() + delta, 0, store_->moeLayerCount() - 1));
    };
    withText(this, view->addAction(QString(), QKeySequence(Qt::ALT | Qt::Key_Left), this, [step_token] { step_token(-1); }), QT_TR_NOOP("Previous Token"));
    withText(this, view->addAction(QString(), QKeySequence(Qt::ALT | Qt::Key_Right), this, [step_token] { step_token(1); }), QT_TR_NOOP("Next Token"));
    withText(this, view->addAction(QString(), QKeySequence(Qt::ALT | Qt::Key_Up), this, [step_layer] { step_layer(-1); }), QT_TR_NOOP("Previous Layer"));
    withText(this, view->addAction(QString(), QKeySequence(Qt::ALT | Qt::Key_Down), this, [step_layer] { step_layer(1); }), QT_TR_NOOP("Next Layer"));
    view->addAction(follow_action_);
    view->addSeparator();
    for (QDockWidget* dock : findChildren<QDockWidget*>()) view->addAction(dock->toggleViewAction());
    view->addSeparator();
    buildLanguageMenu(withText(this, view->addMenu(QString()), QT_TR_NOOP("&Language")));
    QMenu* run_menu = withText(this, menuBar()->addMenu(QString()), QT_TR_NOOP("&Run"));
    run_menu->addAction(run_action_);
    run_menu->addAction(stop_action_);
    QMenu* help = withText(this, menuBar()->addMenu(QString()), QT_TR_NOOP("&Help"));
    withText(this, help->addAction(QString(), QKeySequence::HelpContents, this, &MainWindow::openGuide),
             QT_TR_NOOP("&How MoE Routing Works"));
    withText(this, help->addAction(QString(), this, &MainWindow::showShortcuts), QT_TR_NOOP("&Keyboard Shortcuts"));
    withText(this, help->addAction(QString(), this, &MainWindow::showAbout), QT_TR_NOOP("&About MoEScope"));

    load_progress_ = new QProgressBar;
    load_progress_->setRange(0, 1000);
    load_progress_->setMaximumWidth(220);
    load_progress_->setTextVisible(false);
    load_progress_->hide();
    cancel_load_ = new QToolButton;
    withText(this, cancel_load_, QT_TR_NOOP("Cancel"));
    cancel_load_->hide();
    connect(cancel_load_, &QToolButton::clicked, controller_, &InferenceController::cancelLoad);
    status_label_ = new QLabel;
    statusBar()->addWidget(status_label_, 1);
    statusBar()->addPermanentWidget(load_progress_);
    statusBar()->addPermanentWidget(cancel_load_);

    connect(controller_, &InferenceController::stateChanged, this, &MainWindow::updateActions);
    connect(controller_, &InferenceController::loadProgress, this,
            [this](double p) { load_progress_->setValue(static_cast<int>(p * 1000)); });
    connect(controller_, &InferenceController::modelLoaded, this, &MainWindow::onModelLoaded);
    connect(controller_, &InferenceController::loadFailed, this, [this](const QString& message, bool cancelled) {
        if (cancelled) {
            status_label_->setText(tr("Loading cancelled."));
        } else {
            showMessage(tr("Could not load %1:\n%2").arg(QFileInfo(loading_path_).fileName(), message));
            status_label_->setText(tr("Loading failed."));
        }
    });
    connect(controller_, &InferenceController::generationFinished, this, [this](const QString& error, bool cancelled) {
        if (!error.isEmpty() && store_->tokenCount() == 0 && previous_run_.model.n_layer > 0) {
            store_->setDocument(std::move(previous_run_));  // a run that failed before its first token keeps the last good one
        }
        previous_run_ = {};
        // A translated summary; the engine's own (English) text follows as the details.
        if (!error.isEmpty()) showMessage(tr("Could not run the prompt.") + QLatin1Char('\n') + tr("Details: %1").arg(error));
        status_label_->setText(cancelled ? tr("Stopped.") : error.isEmpty() ? tr("Done.") : tr("Failed."));
        updateStats();
    });
    connect(controller_, &InferenceController::whatIfProgress, overrides_box_, &RoutingOverridesBox::setProgress);
    connect(controller_, &InferenceController::whatIfFinished, this, [this](const QString& error, bool cancelled) {
        overrides_box_->setProgress(0, 0);
        if (!error.isEmpty()) showMessage(tr("Could not run the what-if.") + QLatin1Char('\n') + tr("Details: %1").arg(error));
        status_label_->setText(cancelled ? tr("Stopped.") : error.isEmpty() ? tr("Done.") : tr("Failed."));
        if (error.isEmpty()) tabs_->setCurrentWidget(what_if_page_);
    });
    connect(store_, &TraceStore::statsChanged, this, &MainWindow::updateStats);
    connect(store_, &TraceStore::resetDone, this, &MainWindow::onStoreReset);
    connect(store_, &TraceStore::textAppended, this, [this](const QString& text) {
        output_->moveCursor(QTextCursor::End);
        output_->insertPlainText(text);
        output_->ensureCursorVisible();
        warnIfUncovered(text);
    });
    connect(store_, &TraceStore::selectedTokenChanged, this, &MainWindow::onSelectedToken);
    connect(store_, &TraceStore::selectedLayerChanged, this, &MainWindow::onSelectedLayer);

    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("windowState")).toByteArray());
    if (!settings.contains(QStringLiteral("geometry"))) {
        const QSize screen = this->screen()->availableSize();
        resize(std::min(1480, screen.width() * 19 / 20), std::min(920, screen.height() * 9 / 10));
    }
    rebuildRecentMenu();
    onStoreReset();
    updateActions();
    updateWindowTitle();
}

MainWindow::~MainWindow() = default;

template <class P>
P* MainWindow::addPage(P* page) {
    tabs_->addTab(page, QString());
    pages_.append(page);
    connect(page, &Page::exportFailed, this, &MainWindow::showMessage);
    connect(page, &Page::exported, this,
            [this](const QString& path) { status_label_->setText(tr("Exported %1.").arg(QFileInfo(path).fileName())); });
    return page;
}

QList<ViewPanel*> MainWindow::panels() const {
    QList<ViewPanel*> all;
    for (const Page* page : pages_) all += page->panels();
    return all;
}

void MainWindow::buildActions() {
    QMenu* file = withText(this, menuBar()->addMenu(QString()), QT_TR_NOOP("&File"));
    open_model_action_ = withText(this, file->addAction(QString(), QKeySequence::Open, this, &MainWindow::chooseModel),
                                  QT_TR_NOOP("&Open Model…"));
    recent_menu_ = withText(this, file->addMenu(QString()), QT_TR_NOOP("Open &Recent"));
    file->addSeparator();
    open_session_action_ = withText(this, file->addAction(QString(), this, &MainWindow::chooseSession), QT_TR_NOOP("Open &Session…"));
    withText(this, file->addAction(QString(), this, &MainWindow::chooseTrace), QT_TR_NOOP("Open &Trace…"));
    save_session_action_ = withText(this, file->addAction(QString(), QKeySequence::Save, this, &MainWindow::chooseSaveSession),
                                    QT_TR_NOOP("&Save Session…"));
    file->addSeparator();
    profile_action_ = withText(this, file->addAction(QString(), this, [this] {
        tabs_->setCurrentWidget(profile_page_);
        profile_page_->chooseCorpus();
    }), QT_TR_NOOP("&Profile Corpus…"));
    file->addSeparator();
    export_routing_action_ = withText(this, file->addAction(QString(), this, [this] { chooseExport(true); }),
                                      QT_TR_NOOP("Export &Routing CSV…"));
    export_npz_action_ = withText(this, file->addAction(QString(), this, &MainWindow::chooseExportNpz),
                                  QT_TR_NOOP("Export Routing &NPZ…"));
    export_latency_action_ = withText(this, file->addAction(QString(), this, [this] { chooseExport(false); }),
                                      QT_TR_NOOP("Export &Latency CSV…"));
    file->addSeparator();
    withText(this, file->addAction(QString(), QKeySequence::Quit, this, &QWidget::close), QT_TR_NOOP("&Quit"));

    run_action_ = withText(this, new QAction(this), QT_TR_NOOP("Run"));
    run_action_->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
    withToolTip(this, run_action_, QT_TR_NOOP("Run the prompt (Ctrl+Enter)"));
    connect(run_action_, &QAction::triggered, this, &MainWindow::run);
    stop_action_ = withText(this, new QAction(this), QT_TR_NOOP("Stop"));
    stop_action_->setShortcut(Qt::Key_Escape);
    withToolTip(this, stop_action_, QT_TR_NOOP("Stop generating (Esc)"));
    connect(stop_action_, &QAction::triggered, this, &MainWindow::stop);
    follow_action_ = withText(this, new QAction(this), QT_TR_NOOP("Follow newest token"));
    follow_action_->setCheckable(true);
    follow_action_->setChecked(true);
    withToolTip(this, follow_action_, QT_TR_NOOP("Views show the newest token; click any token to pin it instead"));
    connect(follow_action_, &QAction::triggered, this, [this](bool on) {
        store_->selectToken(on ? -1 : store_->selectedToken());
    });

    QToolBar* bar = addToolBar(QString());
    translated(this, [bar] { bar->setWindowTitle(tr("Main")); });
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setMovable(false);
    bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    bar->addAction(open_model_action_);
    bar->addAction(open_session_action_);
    bar->addAction(save_session_action_);
    bar->addSeparator();
    bar->addAction(run_action_);
    bar->addAction(stop_action_);
    bar->addSeparator();
    bar->addWidget(withText(this, new QLabel, QT_TR_NOOP(" Layer ")));
    layer_combo_ = new QComboBox;
    layer_combo_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    withToolTip(this, layer_combo_, QT_TR_NOOP("MoE layer shown by the token × expert view and the token strip colours"));
    connect(layer_combo_, &QComboBox::currentIndexChanged, this, [this](int i) {
        if (i >= 0) store_->selectLayer(i);
    });
    bar->addWidget(layer_combo_);
    bar->addWidget(withText(this, new QLabel, QT_TR_NOOP("  Show ")));
    value_combo_ = new QComboBox;
    value_combo_->addItems({QString(), QString()});
    translated(this, [this] {
        value_combo_->setItemText(0, tr("router probability"));
        value_combo_->setItemText(1, tr("applied weight"));
    });
    withToolTip(this, value_combo_, QT_TR_NOOP("Value of the routing heatmaps"));
    connect(value_combo_, &QComboBox::currentIndexChanged, this, [this](int i) {
        routing_page_->setValueKind(i == 0 ? RoutingValue::Probability : RoutingValue::Weight);
    });
    bar->addWidget(value_combo_);
    bar->addSeparator();
    bar->addAction(follow_action_);
}

void MainWindow::buildDocks() {
    auto* model_dock = model_dock_ = withText(this, new QDockWidget(this), QT_TR_NOOP("Model"));
    model_dock->setObjectName(QStringLiteral("modelDock"));
    model_card_ = new ModelCard;
    auto* card_scroll = new QScrollArea;  // lets the card's wrapped lines take the height they need
    card_scroll->setWidget(model_card_);
    card_scroll->setWidgetResizable(true);
    card_scroll->setFrameShape(QFrame::NoFrame);
    card_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    model_dock->setWidget(card_scroll);
    model_dock->setFeatures(kDockFeatures);
    addDockWidget(Qt::LeftDockWidgetArea, model_dock);

    auto* prompt_dock = withText(this, new QDockWidget(this), QT_TR_NOOP("Prompt"));
    prompt_dock->setObjectName(QStringLiteral("promptDock"));
    prompt_dock->setFeatures(kDockFeatures);
    prompt_panel_ = new PromptPanel;
    connect(prompt_panel_, &PromptPanel::runRequested, this, &MainWindow::run);
    connect(prompt_panel_, &PromptPanel::stopRequested, this, &MainWindow::stop);
    const auto apply_exact = [this](bool exact) {
        moe::SessionOptions options;
        options.exact = exact;
        controller_->setSessionOptions(options);
    };
    connect(prompt_panel_, &PromptPanel::exactActivationsChanged, this, apply_exact);
    apply_exact(prompt_panel_->exactActivations());
    overrides_box_ = new RoutingOverridesBox(store_);
    connect(overrides_box_, &RoutingOverridesBox::runWhatIfRequested, this, &MainWindow::runWhatIf);
    auto* prompt_widget = new QWidget;
    auto* prompt_layout = new QVBoxLayout(prompt_widget);
    prompt_layout->setContentsMargins(0, 0, 0, 0);
    prompt_layout->addWidget(prompt_panel_, 1);
    prompt_layout->addWidget(overrides_box_);
    prompt_dock->setWidget(prompt_widget);
    addDockWidget(Qt::LeftDockWidgetArea, prompt_dock);
    splitDockWidget(model_dock, prompt_dock, Qt::Vertical);

    auto* output_dock = withText(this, new QDockWidget(this), QT_TR_NOOP("Output"));
    output_dock->setObjectName(QStringLiteral("outputDock"));
    output_dock->setFeatures(kDockFeatures);
    auto* output_widget = new QWidget;
    auto* output_layout = new QVBoxLayout(output_widget);
    output_layout->setContentsMargins(8, 2, 8, 6);
    stats_label_ = new QLabel;
    stats_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    stats_label_->setWordWrap(true);
    output_ = new QPlainTextEdit;
    output_->setReadOnly(true);
    translated(this, [this] { output_->setPlaceholderText(tr("Generated text streams here.")); });
    output_layout->addWidget(stats_label_);
    output_layout->addWidget(output_, 1);
    output_dock->setWidget(output_widget);
    addDockWidget(Qt::LeftDockWidgetArea, output_dock);
    splitDockWidget(prompt_dock, output_dock, Qt::Vertical);
    // Default proportions once the window has its size (a saved layout replaces them).
    QTimer::singleShot(0, this, [this, model_dock, prompt_dock, output_dock] {
        if (QSettings().contains(QStringLiteral("windowState"))) return;
        resizeDocks({model_dock}, {std::clamp(width() / 4, 300, 420)}, Qt::Horizontal);
        resizeDocks({model_dock, prompt_dock, output_dock}, {290, 320, 300}, Qt::Vertical);
    });
}

// --- commands ---------------------------------------------------------------------------------

void MainWindow::openModel(const QString& path) {
    loading_path_ = path;
    hideMessage();
    status_label_->setText(tr("Loading %1…").arg(QFileInfo(path).fileName()));
    load_progress_->setValue(0);
    controller_->loadModel(path);
}

void MainWindow::onModelLoaded(const moe::ModelInfo& info) {
    rememberRecent(info.path.empty() ? loading_path_ : QString::fromStdString(info.path));
    // The session's context is min(training context, 4096); more new tokens than that cannot fit.
    prompt_panel_->setMaxTokensLimit(info.n_ctx_train > 0 ? std::min(4096, info.n_ctx_train) : 4096);
    status_label_->setText(tr("Loaded %1.").arg(QString::fromStdString(info.name)));
    title_subject_ = QString::fromStdString(info.name);
    updateWindowTitle();
    onStoreReset();
}

bool MainWindow::openSessionFile(const QString& path) {
    SessionDocument doc;
    const QString error = openSession(path, &doc);
    if (!error.isEmpty()) {
        showMessage(tr("Could not open the session: %1").arg(error));
        return false;
    }
    if (controller_->state() == InferenceController::State::Generating) controller_->stop();
    hideMessage();
    store_->setDocument(std::move(doc));
    output_->setPlainText(store_->document().generated_text);
    prompt_panel_->setPrompt(QString::fromStdString(store_->document().request.prompt));
    status_label_->setText(tr("Opened session %1.").arg(QFileInfo(path).fileName()));
    title_subject_ = QFileInfo(path).fileName();
    updateWindowTitle();
    warnIfUncovered(prompt_panel_->prompt() + output_->toPlainText());
    return true;
}

QString MainWindow::saveSessionFile(const QString& path) { return saveSession(store_->document(), path); }

QString MainWindow::exportRoutingCsv(const QString& path) {
    return writeFileAtomically(path, routingCsv(store_->tokens()));
}

QString MainWindow::exportRoutingNpz(const QString& path) {
    try {
        const auto& imported = store_->document().imported;
        moe::import::write_npz_trace(path.toStdString(),
                                     imported ? *imported : moe::analysis::table_from_traces(store_->tokens()), true);
        return {};
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
}

void MainWindow::openTraceFile(const QString& path) {
    if (!trace_importer_) {
        trace_importer_ = new TraceImporter(this);
        trace_progress_ = new QProgressDialog(this);
        trace_progress_->setWindowModality(Qt::WindowModal);
        trace_progress_->setRange(0, 1000);
        trace_progress_->setAutoReset(false);
        trace_progress_->setAutoClose(false);
        connect(trace_progress_, &QProgressDialog::canceled, trace_importer_, &TraceImporter::cancel);
        connect(trace_importer_, &TraceImporter::progress, trace_progress_,
                [this](double fraction) { trace_progress_->setValue(static_cast<int>(fraction * 1000)); });
        connect(trace_importer_, &TraceImporter::finished, this, &MainWindow::onTraceImported);
    }
    trace_progress_->setLabelText(tr("Reading %1\u2026").arg(QFileInfo(path).fileName()));
    trace_progress_->setValue(0);
    trace_importer_->start(path);
}

void MainWindow::onTraceImported(const QString& path, const QString& error, bool cancelled) {
    trace_progress_->reset();
    trace_progress_->hide();
    if (!error.isEmpty() || cancelled) {
        if (!error.isEmpty()) showMessage(tr("Could not open the trace: %1").arg(error));
        else status_label_->setText(tr("Opening %1 cancelled.").arg(QFileInfo(path).fileName()));
        Q_EMIT traceOpened(false);
        return;
    }
    if (controller_->state() == InferenceController::State::Generating) controller_->stop();
    hideMessage();
    store_->setDocument(trace_importer_->takeDocument());
    output_->clear();
    status_label_->setText(tr("Opened trace %1: %2 tokens.").arg(QFileInfo(path).fileName()).arg(store_->tokenCount()));
    Q_EMIT traceOpened(true);
}

QString MainWindow::exportLatencyCsv(const QString& path) {
    return writeFileAtomically(path, latencyCsv(store_->tokens(), store_->layerCount()));
}

void MainWindow::setPrompt(const QString& prompt) { prompt_panel_->setPrompt(prompt); }

void MainWindow::setMaxTokens(int n) { prompt_panel_->setMaxTokens(n); }

void MainWindow::setSampling(double temperature, int seed) { prompt_panel_->setSampling(temperature, seed); }

bool MainWindow::canRun() const {
    return controller_->hasModel() && controller_->state() == InferenceController::State::Idle;
}

void MainWindow::run() {
    if (!canRun()) return;
    moe::GenerationRequest request = prompt_panel_->request();
    request.overrides = store_->overrides();  // free generation under the routing what-ifs
    if (request.prompt.empty()) {
        showMessage(tr("Type a prompt first."));
        return;
    }
    hideMessage();
    previous_run_ = store_->document();
    output_->clear();
    status_label_->setText(tr("Generating…"));
    controller_->generate(request);
    warnIfUncovered(prompt_panel_->prompt());
}

void MainWindow::runWhatIf() {
    if (!canRun() || store_->tokenCount() == 0) return;
    hideMessage();
    status_label_->setText(tr("Evaluating the what-if…"));
    controller_->runWhatIf();
}

void MainWindow::changeEvent(QEvent* event) {
    QMainWindow::changeEvent(event);
    if (event->type() != QEvent::LanguageChange || !layer_combo_) return;
    // Texts that depend on the data are rebuilt from it (the pages do their own).
    onStoreReset();
    rebuildRecentMenu();
    updateWindowTitle();
    updateGuide();
}

void MainWindow::updateWindowTitle() {
    setWindowTitle(title_subject_.isEmpty() ? tr("MoEScope") : tr("MoEScope — %1").arg(title_subject_));
}

void MainWindow::fitModelDock() {
    auto* scroll = qobject_cast<QScrollArea*>(model_dock_->widget());
    if (!scroll || !model_dock_->isVisible() || model_dock_->isFloating()) return;
    const int width = scroll->viewport()->width();
    const int needed = model_card_->hasHeightForWidth() ? model_card_->heightForWidth(width) : model_card_->sizeHint().height();
    const int missing = needed - scroll->viewport()->height();
    if (missing <= 0) return;
    // Grow to show the whole card, but leave the prompt and output docks at least half the height.
    resizeDocks({model_dock_}, {std::min(model_dock_->height() + missing, height() / 2)}, Qt::Vertical);
}

void MainWindow::resizeEvent(QResizeEvent* event) {
    QMainWindow::resizeEvent(event);
    QTimer::singleShot(0, this, &MainWindow::fitModelDock);  // once the docks have their new size
}

void MainWindow::buildLanguageMenu(QMenu* menu) {
    auto* group = new QActionGroup(menu);
    const QString saved = savedLanguage();
    auto add = [&](const QString& language) {
        QAction* action = menu->addAction(language.isEmpty() ? QString() : languageName(language));
        if (language.isEmpty()) withText(this, action, QT_TR_NOOP("System default"));
        action->setCheckable(true);
        action->setChecked(language == saved);
        group->addAction(action);
        connect(action, &QAction::triggered, this, [language] {
            saveLanguage(language);
            applyLanguage(language);
        });
    };
    add(QString());
    for (const QString& language : shippedLanguages()) add(language);
}

RoutingGuide* MainWindow::openGuide() {
    if (!guide_) {
        guide_ = new RoutingGuide(this);
        connect(guide_, &RoutingGuide::viewRequested, this, [this](const QString& title) {
            showPanel(title);
            raise();
            activateWindow();
        });
        updateGuide();
    }
    guide_->show();
    guide_->raise();
    return guide_;
}

void MainWindow::updateGuide() {
    if (!guide_) return;
    QList<GuideView> views;
    for (ViewPanel* panel : panels()) views.append({panel->objectName(), panel->title(), panel->description()});
    guide_->setViews(views);
    guide_->setModel(store_->modelInfo());
}

void MainWindow::showAbout() {
    QMessageBox::about(this, tr("About MoEScope"),
                       tr("<b>MoEScope %1</b><p>Runs Mixture-of-Experts models from GGUF files on the CPU "
                          "and shows how the router sends every token through the experts.</p>")
                           .arg(QCoreApplication::applicationVersion()));
}

void MainWindow::showShortcuts() {
    QString rows;
    for (QAction* action : findChildren<QAction*>()) {
        if (action->shortcuts().isEmpty()) continue;
        QStringList keys;
        for (const QKeySequence& key : action->shortcuts()) keys << key.toString(QKeySequence::NativeText).toHtmlEscaped();
        rows += QStringLiteral("<tr><td>%1</td><td><b>%2</b></td></tr>")
                    .arg(action->text().remove(QLatin1Char('&')).toHtmlEscaped(), keys.join(QStringLiteral(", ")));
    }
    rows += QStringLiteral("<tr><td>%1</td><td><b>%2</b></td></tr>").arg(tr("Zoom the token × expert view"), tr("Ctrl+wheel"));
    QMessageBox::information(this, tr("Keyboard Shortcuts"), QStringLiteral("<table cellspacing=6>%1</table>").arg(rows));
}

void MainWindow::warnIfUncovered(const QString& text) {
    if (font_warning_shown_) return;
    const QString missing = uncoveredCharacters(text, font());
    if (missing.isEmpty()) return;
    font_warning_shown_ = true;
    statusBar()->showMessage(tr("No installed font can show “%1”, so these characters appear as empty boxes. "
                                "Install a font that covers them (for Chinese: fonts-wqy-microhei or fonts-noto-cjk).")
                                 .arg(missing.left(12)));
}

void MainWindow::stop() { controller_->stop(); }

void MainWindow::showTab(const QString& name) {
    const QStringList names = {QStringLiteral("routing"), QStringLiteral("timing"), QStringLiteral("compute"),
                               QStringLiteral("tokens"),  QStringLiteral("analysis"), QStringLiteral("whatif"),
                               QStringLiteral("compare"), QStringLiteral("profile")};
    const int i = names.indexOf(name.toLower());
    if (i >= 0) tabs_->setCurrentIndex(i);
}

ViewPanel* MainWindow::showPanel(const QString& title) {
    // "Layer x expert" is accepted for "Layer × expert": the sign is hard to type.
    QString wanted = title.simplified();
    wanted.replace(QStringLiteral(" x "), QStringLiteral(" \u00d7 "), Qt::CaseInsensitive);
    for (ViewPanel* panel : panels()) {
        if (panel->title().compare(wanted, Qt::CaseInsensitive) != 0 &&
            panel->objectName().compare(wanted, Qt::CaseInsensitive) != 0) {
            continue;
        }
        for (int i = 0; i < tabs_->count(); ++i) {
            if (tabs_->widget(i)->isAncestorOf(panel)) tabs_->setCurrentIndex(i);
        }
        return panel;
    }
    return nullptr;
}

// --- state and selection ----------------------------------------------------------------------

void MainWindow::onStoreReset() {
    const auto& info = store_->modelInfo();
    if (info.n_layer == 0) {
        model_card_->clear(tr("No model loaded. Open a GGUF file (Ctrl+O), drop one here, or pick a recent one."));
    } else {
        const bool live = controller_->hasModel() && controller_->modelInfo().path == info.path;
        model_card_->setInfo(info, live ? QString() : tr("From an opened session; load this model to run prompts."));
        if (live) model_card_->addWeightPlacement(controller_->modelInfo().weights_in_huge_pages,
                                                    controller_->modelInfo().tensors_in_row_groups);
    }
    {
        const QSignalBlocker block(layer_combo_);
        layer_combo_->clear();
        for (int l = 0; l < store_->moeLayerCount(); ++l) {
            layer_combo_->addItem(tr("%1 (MoE %2 of %3)").arg(store_->blockOfMoeLayer(l)).arg(l + 1).arg(store_->moeLayerCount()));
        }
        layer_combo_->setCurrentIndex(store_->selectedLayer());
    }
    // Imported traces carry only what their recorder wrote; the model card says what is missing.
    const moe::LayerRouting* first = store_->tokenCount() > 0 ? store_->routing(0, 0) : nullptr;
    const bool no_probs = first && first->probs.empty(), no_weights = first && first->weights.empty();
    if (no_probs) value_combo_->setCurrentIndex(1);
    if (store_->document().imported) {
        model_card_->setInfo(info, no_weights ? tr("Imported trace: no router probabilities, weights or timings.")
                                   : no_probs ? tr("Imported trace: no router probabilities (heatmaps show weights), no timings.")
                                              : tr("Imported trace: no timings."));
    }
    if (store_->document().generated_text != output_->toPlainText()) output_->setPlainText(store_->document().generated_text);
    onSelectedToken(store_->selectedToken());
    onSelectedLayer(store_->selectedLayer());
    updateStats();
    updateActions();
    updateGuide();
    QTimer::singleShot(0, this, &MainWindow::fitModelDock);
}

void MainWindow::onSelectedToken(int) {
    const QSignalBlocker block(follow_action_);
    follow_action_->setChecked(store_->followsLatest());
}

void MainWindow::onSelectedLayer(int layer) {
    if (layer_combo_->currentIndex() == layer) return;
    const QSignalBlocker block(layer_combo_);
    layer_combo_->setCurrentIndex(layer);
}

void MainWindow::updateActions() {
    const auto state = controller_->state();
    const bool idle = state == InferenceController::State::Idle;
    run_action_->setEnabled(canRun());
    prompt_panel_->setRunEnabled(canRun());
    const bool busy = state == InferenceController::State::Generating ||
                      state == InferenceController::State::EvaluatingWhatIf || state == InferenceController::State::Profiling;
    stop_action_->setEnabled(busy);
    prompt_panel_->setStopEnabled(busy);
    overrides_box_->setRunEnabled(canRun() && store_->tokenCount() > 0 && store_->moeLayerCount() > 0);
    open_model_action_->setEnabled(state != InferenceController::State::Loading);
    profile_action_->setEnabled(canRun());
    const bool has_tokens = store_->tokenCount() > 0;
    // An imported trace is saved as itself (Export Routing NPZ), not as a session.
    save_session_action_->setEnabled(idle && has_tokens && !store_->document().imported);
    export_routing_action_->setEnabled(idle && has_tokens);
    export_npz_action_->setEnabled(idle && has_tokens);
    export_latency_action_->setEnabled(idle && has_tokens);
    load_progress_->setVisible(state == InferenceController::State::Loading);
    cancel_load_->setVisible(state == InferenceController::State::Loading);
}

void MainWindow::updateStats() {
    const GenerationStats& s = store_->document().stats;
    if (s.prompt_tokens == 0 && s.generated_tokens == 0) {
        stats_label_->setText(tr("No run yet."));
        return;
    }
    QStringList parts;
    parts << tr("prompt %1 tok").arg(s.prompt_tokens);
    if (s.prefill_ms > 0) parts << tr("prefill %1 ms").arg(QString::number(s.prefill_ms, 'f', 0));
    if (s.time_to_first_token_ms >= 0) parts << tr("first token %1 ms").arg(QString::number(s.time_to_first_token_ms, 'f', 0));
    parts << tr("%1 generated").arg(s.generated_tokens);
    if (s.tokens_per_second() > 0) parts << tr("%1 tok/s").arg(QString::number(s.tokens_per_second(), 'f', 1));
    if (s.cancelled) parts << tr("stopped");
    else if (s.stopped_at_eos) parts << tr("end of text");
    else if (s.stopped_at_context_end) parts << tr("context full");
    stats_label_->setText(parts.join(QStringLiteral("  \u00b7  ")));
}

QString MainWindow::messageText() const { return message_frame_->isVisibleTo(this) ? message_bar_->text() : QString(); }

QString MainWindow::outputText() const { return output_->toPlainText(); }

QString MainWindow::statsText() const { return stats_label_->text(); }

void MainWindow::showMessage(const QString& text) {
    message_bar_->setText(text);
    message_frame_->show();
}

void MainWindow::hideMessage() { message_frame_->hide(); }

// --- files ------------------------------------------------------------------------------------

void MainWindow::chooseModel() {
    const QString dir = QFileInfo(QSettings().value(kRecentKey).toStringList().value(0)).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open GGUF model"), dir, tr("GGUF models (*.gguf);;All files (*)"));
    if (!path.isEmpty()) openModel(path);
}

void MainWindow::chooseSession() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open session"), QString(),
                                                      tr("MoEScope sessions (*.moescope.json *.json);;All files (*)"));
    if (!path.isEmpty()) openSessionFile(path);
}

void MainWindow::chooseExportNpz() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export routing .npz"), QStringLiteral("routing.npz"),
                                                      tr("NumPy archives (*.npz)"));
    if (path.isEmpty()) return;
    const QString error = exportRoutingNpz(path);
    if (error.isEmpty()) status_label_->setText(tr("Exported %1.").arg(QFileInfo(path).fileName()));
    else showMessage(tr("Could not export: %1").arg(error));
}

void MainWindow::chooseTrace() {
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open routing trace"), QString(),
        tr("Routing traces (*.npz *.npy *.json *.csv);;NumPy (*.npz *.npy);;vLLM responses (*.json);;Routing CSV (*.csv)"));
    if (!path.isEmpty()) openTraceFile(path);
}

void MainWindow::chooseSaveSession() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save session"), QStringLiteral("session.moescope.json"),
                                                      tr("MoEScope sessions (*.moescope.json *.json)"));
    if (path.isEmpty()) return;
    const QString error = saveSessionFile(path);
    if (error.isEmpty()) status_label_->setText(tr("Saved %1.").arg(QFileInfo(path).fileName()));
    else showMessage(tr("Could not save the session: %1").arg(error));
}

void MainWindow::chooseExport(bool routing) {
    const QString path = QFileDialog::getSaveFileName(this, routing ? tr("Export routing CSV") : tr("Export latency CSV"),
                                                      routing ? QStringLiteral("routing.csv") : QStringLiteral("latency.csv"),
                                                      tr("CSV files (*.csv)"));
    if (path.isEmpty()) return;
    const QString error = routing ? exportRoutingCsv(path) : exportLatencyCsv(path);
    if (error.isEmpty()) status_label_->setText(tr("Exported %1.").arg(QFileInfo(path).fileName()));
    else showMessage(tr("Could not export: %1").arg(error));
}

void MainWindow::rememberRecent(const QString& path) {
    QSettings settings;
    QStringList recent = settings.value(kRecentKey).toStringList();
    const QString canonical = QFileInfo(path).absoluteFilePath();
    recent.removeAll(canonical);
    recent.prepend(canonical);
    while (recent.size() > kMaxRecent) recent.removeLast();
    settings.setValue(kRecentKey, recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    recent_menu_->clear();
    const QStringList recent = QSettings().value(kRecentKey).toStringList();
    for (const QString& path : recent) {
        QAction* a = recent_menu_->addAction(QFileInfo(path).fileName(), this, [this, path] { openModel(path); });
        a->setToolTip(path);
        a->setStatusTip(path);
    }
    if (recent.isEmpty()) recent_menu_->addAction(tr("(none)"))->setEnabled(false);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.first().isLocalFile()) return;
    const QString path = urls.first().toLocalFile();
    if (isTraceFile(path)) {
        openTraceFile(path);
    } else if (path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive)) {
        openSessionFile(path);
    } else {
        openModel(path);
    }
    event->acceptProposedAction();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings settings;
    settings.setValue(QStringLiteral("geometry"), saveGeometry());
    settings.setValue(QStringLiteral("windowState"), saveState());
    controller_->stop();
    QMainWindow::closeEvent(event);
}

// --- the pieces, for tests and the benchmark ------------------------------------------------

TokenListModel* MainWindow::tokenListModel() const { return tokens_page_->tokenListModel(); }
TokenExpertModel* MainWindow::tokenExpertModel() const { return routing_page_->tokenExpertModel(); }
LayerExpertModel* MainWindow::layerExpertModel() const { return routing_page_->layerExpertModel(); }
ExpertLoadModel* MainWindow::expertLoadModel() const { return routing_page_->expertLoadModel(); }
LatencyModel* MainWindow::latencyModel() const { return timing_page_->latencyModel(); }
LayerTimeModel* MainWindow::layerTimeModel() const { return timing_page_->layerTimeModel(); }
SavingsModel* MainWindow::savingsModel() const { return compute_page_->savingsModel(); }
HeatmapView* MainWindow::tokenExpertView() const { return routing_page_->tokenExpertView(); }
HeatmapView* MainWindow::layerExpertView() const { return routing_page_->layerExpertView(); }
HeatmapView* MainWindow::expertLoadView() const { return routing_page_->expertLoadView(); }
TokenStripView* MainWindow::tokenStrip() const { return routing_page_->tokenStrip(); }
QPlainTextEdit* MainWindow::promptEditor() const { return prompt_panel_->editor(); }
QTableView* MainWindow::tokenTable() const { return tokens_page_->table(); }

}  // namespace moe::gui
