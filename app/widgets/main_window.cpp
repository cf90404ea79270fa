#include "widgets/main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QProgressDialog>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include <type_traits>

#include "analysis/table_builder.h"
#include "engine/demo_model.h"
#include "gui_private/exports.h"
#include "gui_private/routing_models.h"
#include "gui_private/session_file.h"
#include "gui_private/timing_models.h"
#include "gui_private/trace_import.h"
#include "gui_private/trace_store.h"
#include "import/npz_trace.h"
#include "widgets/font_coverage.h"
#include "widgets/heatmap_view.h"
#include "widgets/model_card.h"
#include "widgets/language.h"
#include "widgets/model_charts.h"
#include "widgets/routing_guide.h"
#include "widgets/token_strip_view.h"
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

QColor seriesColor(int i) {
    static const QColor colors[] = {QColor(0x21, 0x71, 0xb5), QColor(0xe6, 0x55, 0x0d), QColor(0x31, 0xa3, 0x54),
                                    QColor(0x75, 0x6b, 0xb1)};
    return colors[i % 4];
}
}  // namespace

QString findDemoModel() {
    const QString path = QString::fromStdString(moe::demo_model_path());
    return QFileInfo(path).isFile() ? QFileInfo(path).absoluteFilePath() : QString();
}

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      store_(new TraceStore(this)),
      controller_(new InferenceController(store_, this)),
      token_list_model_(new TokenListModel(store_, this)),
      token_expert_model_(new TokenExpertModel(store_, this)),
      layer_expert_model_(new LayerExpertModel(store_, this)),
      expert_load_model_(new ExpertLoadModel(store_, this)),
      latency_model_(new LatencyModel(store_, this)),
      layer_time_model_(new LayerTimeModel(store_, this)),
      savings_model_(new SavingsModel(store_, this)) {
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
    tabs_->addTab(buildRoutingTab(), QString());
    tabs_->addTab(buildTimingTab(), QString());
    tabs_->addTab(buildComputeTab(), QString());
    token_table_ = new QTableView;
    token_table_proxy_ = new QSortFilterProxyModel(this);
    token_table_proxy_->setSourceModel(token_list_model_);
    token_table_proxy_->setSortRole(ValueRole);  // numbers sort as numbers
    token_table_->setModel(token_table_proxy_);
    token_table_->setSortingEnabled(true);
    token_table_->sortByColumn(TokenListModel::StepColumn, Qt::AscendingOrder);
    token_table_->verticalHeader()->hide();
    token_table_->horizontalHeader()->setStretchLastSection(true);
    token_table_->horizontalHeader()->setDefaultSectionSize(96);
    token_table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);  // headers name the layer
    token_table_->horizontalHeader()->setResizeContentsPrecision(200);
    token_table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    token_table_->setSelectionMode(QAbstractItemView::SingleSelection);
    token_table_->setAlternatingRowColors(true);
    token_table_->verticalHeader()->setDefaultSectionSize(token_table_->fontMetrics().height() + 4);
    connect(token_table_, &QTableView::clicked, this, [this](const QModelIndex& i) {
        store_->selectToken(token_table_proxy_->mapToSource(i).row());
    });
    tabs_->addTab(token_table_, QString());
    translated([this] {
        const char* names[] = {QT_TR_NOOP("Routing"), QT_TR_NOOP("Timing"), QT_TR_NOOP("Compute"), QT_TR_NOOP("Tokens")};
        for (int i = 0; i < 4; ++i) tabs_->setTabText(i, tr(names[i]));
    });
    central_layout->addWidget(tabs_, 1);
    setCentralWidget(central);

    buildDocks();
    QMenu* view = withText(menuBar()->addMenu(QString()), QT_TR_NOOP("&View"));
    // Stepping through the selection from the keyboard; Alt keeps the prompt editor's arrows free.
    auto step_token = [this](int delta) {
        if (store_->tokenCount() == 0) return;
        store_->selectToken(std::clamp(store_->selectedToken() + delta, 0, store_->tokenCount() - 1));
    };
    auto step_layer = [this](int delta) {
        if (store_->moeLayerCount() == 0) return;
        store_->selectLayer(std::clamp(store_->selectedLayer() + delta, 0, store_->moeLayerCount() - 1));
    };
    withText(view->addAction(QString(), QKeySequence(Qt::ALT | Qt::Key_Left), this, [step_token] { step_token(-1); }), QT_TR_NOOP("Previous Token"));
    withText(view->addAction(QString(), QKeySequence(Qt::ALT | Qt::Key_Right), this, [step_token] { step_token(1); }), QT_TR_NOOP("Next Token"));
    withText(view->addAction(QString(), QKeySequence(Qt::ALT | Qt::Key_Up), this, [step_layer] { step_layer(-1); }), QT_TR_NOOP("Previous Layer"));
    withText(view->addAction(QString(), QKeySequence(Qt::ALT | Qt::Key_Down), this, [step_layer] { step_layer(1); }), QT_TR_NOOP("Next Layer"));
    view->addAction(follow_action_);
    view->addSeparator();
    for (QDockWidget* dock : findChildren<QDockWidget*>()) view->addAction(dock->toggleViewAction());
    view->addSeparator();
    buildLanguageMenu(withText(view->addMenu(QString()), QT_TR_NOOP("&Language")));
    QMenu* run_menu = withText(menuBar()->addMenu(QString()), QT_TR_NOOP("&Run"));
    run_menu->addAction(run_action_);
    run_menu->addAction(stop_action_);
    QMenu* help = withText(menuBar()->addMenu(QString()), QT_TR_NOOP("&Help"));
    withText(help->addAction(QString(), QKeySequence::HelpContents, this, &MainWindow::openGuide),
             QT_TR_NOOP("&How MoE Routing Works"));
    withText(help->addAction(QString(), this, &MainWindow::showShortcuts), QT_TR_NOOP("&Keyboard Shortcuts"));
    withText(help->addAction(QString(), this, &MainWindow::showAbout), QT_TR_NOOP("&About MoEScope"));

    load_progress_ = new QProgressBar;
    load_progress_->setRange(0, 1000);
    load_progress_->setMaximumWidth(220);
    load_progress_->setTextVisible(false);
    load_progress_->hide();
    cancel_load_ = new QToolButton;
    withText(cancel_load_, QT_TR_NOOP("Cancel"));
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
    connect(store_, &TraceStore::statsChanged, this, &MainWindow::updateStats);
    connect(savings_model_, &QAbstractItemModel::rowsInserted, this, &MainWindow::updateSavingsSummary);
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

void MainWindow::buildActions() {
    QMenu* file = withText(menuBar()->addMenu(QString()), QT_TR_NOOP("&File"));
    open_model_action_ = withText(file->addAction(QString(), QKeySequence::Open, this, &MainWindow::chooseModel),
                                  QT_TR_NOOP("&Open Model…"));
    recent_menu_ = withText(file->addMenu(QString()), QT_TR_NOOP("Open &Recent"));
    file->addSeparator();
    open_session_action_ = withText(file->addAction(QString(), this, &MainWindow::chooseSession), QT_TR_NOOP("Open &Session…"));
    withText(file->addAction(QString(), this, &MainWindow::chooseTrace), QT_TR_NOOP("Open &Trace…"));
    save_session_action_ = withText(file->addAction(QString(), QKeySequence::Save, this, &MainWindow::chooseSaveSession),
                                    QT_TR_NOOP("&Save Session…"));
    file->addSeparator();
    export_routing_action_ = withText(file->addAction(QString(), this, [this] { chooseExport(true); }),
                                      QT_TR_NOOP("Export &Routing CSV…"));
    export_npz_action_ = withText(file->addAction(QString(), this, &MainWindow::chooseExportNpz),
                                  QT_TR_NOOP("Export Routing &NPZ…"));
    export_latency_action_ = withText(file->addAction(QString(), this, [this] { chooseExport(false); }),
                                      QT_TR_NOOP("Export &Latency CSV…"));
    file->addSeparator();
    withText(file->addAction(QString(), QKeySequence::Quit, this, &QWidget::close), QT_TR_NOOP("&Quit"));

    run_action_ = withText(new QAction(this), QT_TR_NOOP("Run"));
    run_action_->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
    withToolTip(run_action_, QT_TR_NOOP("Run the prompt (Ctrl+Enter)"));
    connect(run_action_, &QAction::triggered, this, &MainWindow::run);
    stop_action_ = withText(new QAction(this), QT_TR_NOOP("Stop"));
    stop_action_->setShortcut(Qt::Key_Escape);
    withToolTip(stop_action_, QT_TR_NOOP("Stop generating (Esc)"));
    connect(stop_action_, &QAction::triggered, this, &MainWindow::stop);
    follow_action_ = withText(new QAction(this), QT_TR_NOOP("Follow newest token"));
    follow_action_->setCheckable(true);
    follow_action_->setChecked(true);
    withToolTip(follow_action_, QT_TR_NOOP("Views show the newest token; click any token to pin it instead"));
    connect(follow_action_, &QAction::triggered, this, [this](bool on) {
        store_->selectToken(on ? -1 : store_->selectedToken());
    });

    QToolBar* bar = addToolBar(QString());
    translated([bar] { bar->setWindowTitle(tr("Main")); });
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
    bar->addWidget(withText(new QLabel, QT_TR_NOOP(" Layer ")));
    layer_combo_ = new QComboBox;
    layer_combo_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    withToolTip(layer_combo_, QT_TR_NOOP("MoE layer shown by the token × expert view and the token strip colours"));
    connect(layer_combo_, &QComboBox::currentIndexChanged, this, [this](int i) {
        if (i >= 0) store_->selectLayer(i);
    });
    bar->addWidget(layer_combo_);
    bar->addWidget(withText(new QLabel, QT_TR_NOOP("  Show ")));
    value_combo_ = new QComboBox;
    value_combo_->addItems({QString(), QString()});
    translated([this] {
        value_combo_->setItemText(0, tr("router probability"));
        value_combo_->setItemText(1, tr("applied weight"));
    });
    withToolTip(value_combo_, QT_TR_NOOP("Value of the routing heatmaps"));
    connect(value_combo_, &QComboBox::currentIndexChanged, this, [this](int i) {
        const RoutingValue kind = i == 0 ? RoutingValue::Probability : RoutingValue::Weight;
        token_expert_model_->setValueKind(kind);
        layer_expert_model_->setValueKind(kind);
        updateLegendTitles();
    });
    bar->addWidget(value_combo_);
    bar->addSeparator();
    bar->addAction(follow_action_);
}

void MainWindow::buildDocks() {
    auto* model_dock = model_dock_ = withText(new QDockWidget(this), QT_TR_NOOP("Model"));
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

    auto* prompt_dock = withText(new QDockWidget(this), QT_TR_NOOP("Prompt"));
    prompt_dock->setObjectName(QStringLiteral("promptDock"));
    prompt_dock->setFeatures(kDockFeatures);
    auto* prompt_widget = new QWidget;
    auto* prompt_layout = new QVBoxLayout(prompt_widget);
    prompt_layout->setContentsMargins(8, 4, 8, 8);
    prompt_edit_ = new QPlainTextEdit;
    translated([this] { prompt_edit_->setPlaceholderText(tr("Type a prompt, then press Ctrl+Enter")); });
    prompt_edit_->setPlainText(QStringLiteral("The quick brown fox"));
    prompt_edit_->installEventFilter(this);
    prompt_layout->addWidget(prompt_edit_, 1);
    prompt_layout->addLayout(buildSamplePrompts());
    auto* form = new QFormLayout;
    form->setLabelAlignment(Qt::AlignRight);
    max_tokens_ = new QSpinBox;
    max_tokens_->setRange(1, 4096);
    max_tokens_->setValue(32);  // the CLI's --n-predict default, so exports compare 1:1
    temperature_ = new QDoubleSpinBox;
    temperature_->setRange(0.0, 2.0);
    temperature_->setSingleStep(0.1);
    temperature_->setValue(0.0);
    translated([this] { temperature_->setSpecialValueText(tr("0 (greedy)")); });
    top_k_ = new QSpinBox;
    top_k_->setRange(0, 1000);
    translated([this] { top_k_->setSpecialValueText(tr("off")); });
    top_p_ = new QDoubleSpinBox;
    top_p_->setRange(0.01, 1.0);
    top_p_->setSingleStep(0.05);
    top_p_->setValue(1.0);
    seed_ = new QSpinBox;
    seed_->setRange(0, std::numeric_limits<int>::max());
    withToolTip(max_tokens_, QT_TR_NOOP("How many tokens to generate after the prompt (at most what the context leaves)"));
    withToolTip(temperature_, QT_TR_NOOP("Randomness of sampling: 0 always takes the most likely token (greedy)"));
    withToolTip(top_k_, QT_TR_NOOP("Sample only among the k most likely tokens (off: all tokens)"));
    withToolTip(top_p_, QT_TR_NOOP("Sample only among the most likely tokens whose probabilities add up to p"));
    withToolTip(seed_, QT_TR_NOOP("Seed of the random sampler: the same seed repeats the same output"));
    form->addRow(withText(new QLabel, QT_TR_NOOP("Max tokens")), max_tokens_);
    form->addRow(withText(new QLabel, QT_TR_NOOP("Temperature")), temperature_);
    form->addRow(withText(new QLabel, QT_TR_NOOP("Top-k")), top_k_);
    form->addRow(withText(new QLabel, QT_TR_NOOP("Top-p")), top_p_);
    form->addRow(withText(new QLabel, QT_TR_NOOP("Seed")), seed_);
    prompt_layout->addLayout(form);
    auto* buttons = new QHBoxLayout;
    run_button_ = withText(new QPushButton, QT_TR_NOOP("Run"));
    run_button_->setDefault(true);
    withToolTip(run_button_, QT_TR_NOOP("Run the prompt (Ctrl+Enter)"));
    stop_button_ = withText(new QPushButton, QT_TR_NOOP("Stop"));
    connect(run_button_, &QPushButton::clicked, this, &MainWindow::run);
    connect(stop_button_, &QPushButton::clicked, this, &MainWindow::stop);
    buttons->addWidget(run_button_, 1);
    buttons->addWidget(stop_button_);
    prompt_layout->addLayout(buttons);
    prompt_dock->setWidget(prompt_widget);
    addDockWidget(Qt::LeftDockWidgetArea, prompt_dock);
    splitDockWidget(model_dock, prompt_dock, Qt::Vertical);

    auto* output_dock = withText(new QDockWidget(this), QT_TR_NOOP("Output"));
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
    translated([this] { output_->setPlaceholderText(tr("Generated text streams here.")); });
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

QLayout* MainWindow::buildSamplePrompts() {
    // One per domain the demo model was trained on; a click runs it.
    struct Sample {
        const char* name;
        const char* prompt;
    };
    static const Sample samples[] = {{QT_TR_NOOP("English"), "The secret of a happy life is"},
                                     {QT_TR_NOOP("Chinese"), "床前明月光，"},
                                     {QT_TR_NOOP("Code"), "def read_file(path):\n    "},
                                     {QT_TR_NOOP("Arithmetic"), "17+25="}};
    auto* row = new QHBoxLayout;
    row->setSpacing(4);
    row->addWidget(withText(new QLabel, QT_TR_NOOP("Samples:")));
    for (const Sample& sample : samples) {
        auto* button = new QToolButton;
        const QString prompt = QString::fromUtf8(sample.prompt);
        translated([button, sample] {
            button->setText(tr(sample.name));
            button->setToolTip(tr("Run this %1 sample prompt").arg(tr(sample.name)));
        });
        connect(button, &QToolButton::clicked, this, [this, prompt] {
            setPrompt(prompt);
            run();
        });
        row->addWidget(button);
    }
    row->addStretch(1);
    return row;
}

ViewPanel* MainWindow::addPanel(const char* title, QWidget* view, const char* description, const char* subtitle) {
    auto* panel = new ViewPanel(QString(), view);
    panel->setObjectName(QString::fromUtf8(title));  // the English title: --view and the guide's links find it
    translated([panel, title, description, subtitle] {
        panel->setTitle(tr(title));
        panel->setDescription(tr(description));
        if (subtitle) panel->setSubtitle(tr(subtitle));
    });
    connect(panel, &ViewPanel::exportFailed, this, &MainWindow::showMessage);
    connect(panel, &ViewPanel::exported, this,
            [this](const QString& path) { status_label_->setText(tr("Exported %1.").arg(QFileInfo(path).fileName())); });
    panels_.append(panel);
    return panel;
}

QWidget* MainWindow::buildRoutingTab() {
    token_strip_ = new TokenStripView;
    token_strip_->setModel(token_list_model_);
    connect(token_strip_, &TokenStripView::tokenClicked, store_, &TraceStore::selectToken);
    auto* strip_panel = addPanel(QT_TR_NOOP("Tokens"), token_strip_,
                                 QT_TR_NOOP("The prompt and the output as token chips, each filled with the colour of its top expert."),
                                 QT_TR_NOOP("colour = top expert in the selected layer; dashed = prompt"));

    layer_expert_view_ = new HeatmapView;
    layer_expert_view_->setModel(layer_expert_model_, false, true, 1.0);
    connect(layer_expert_view_, &HeatmapView::cellClicked, this, [this](int row, int) { store_->selectLayer(row); });
    layer_expert_panel_ = addPanel(QT_TR_NOOP("Layer × expert"), layer_expert_view_,
                                   QT_TR_NOOP("How the router scored every expert for the selected token, in every MoE layer."));

    expert_load_view_ = new HeatmapView;
    expert_load_view_->setModel(expert_load_model_, false, false, 1.0);
    connect(expert_load_view_, &HeatmapView::cellClicked, this, [this](int row, int) { store_->selectLayer(row); });
    auto* load_panel = addPanel(QT_TR_NOOP("Expert load"), expert_load_view_,
                                QT_TR_NOOP("How many tokens of the session each expert received, per MoE layer."),
                                QT_TR_NOOP("tokens routed to each expert so far"));
    load_combo_ = new QComboBox;
    load_combo_->addItems({QString(), QString()});
    translated([this] {
        load_combo_->setItemText(0, tr("counts"));
        load_combo_->setItemText(1, tr("shares"));
    });
    connect(load_combo_, &QComboBox::currentIndexChanged, this, [this](int i) {
        expert_load_model_->setMeasure(i == 0 ? ExpertLoadModel::Measure::Count : ExpertLoadModel::Measure::Share);
        updateLegendTitles();
    });
    load_panel->addHeaderWidget(load_combo_);

    token_expert_view_ = new HeatmapView;
    token_expert_view_->setModel(token_expert_model_, true, true, 1.0);
    connect(token_expert_view_, &HeatmapView::cellClicked, this, [this](int row, int) { store_->selectToken(row); });
    token_expert_panel_ = addPanel(QT_TR_NOOP("Token × expert"), token_expert_view_,
                                   QT_TR_NOOP("The selected layer's routing of every token over time, tokens left to right."));
    translated([this] { updateLegendTitles(); });

    auto* upper = new QSplitter(Qt::Horizontal);
    upper->addWidget(layer_expert_panel_);
    upper->addWidget(load_panel);
    upper->setSizes({560, 440});
    auto* splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(strip_panel);
    splitter->addWidget(upper);
    splitter->addWidget(token_expert_panel_);
    splitter->setSizes({150, 420, 300});
    splitter->setChildrenCollapsible(false);
    return splitter;
}

QWidget* MainWindow::buildTimingTab() {
    latency_chart_ = new ModelLineChart(QString(), QString());
    latency_chart_->setModel(latency_model_, LatencyModel::StepColumn);
    latency_chart_->addSeries(QString(), LatencyModel::TotalMsColumn, seriesColor(2), ModelLineChart::Rows::PromptOnly);
    latency_chart_->addSeries(QString(), LatencyModel::TotalMsColumn, seriesColor(0), ModelLineChart::Rows::GeneratedOnly);
    translated([this] {
        latency_chart_->setAxisTitles(tr("token (step)"), tr("ms"));
        latency_chart_->setSeriesName(0, tr("prefill (batch time split evenly)"));
        latency_chart_->setSeriesName(1, tr("decode"));
    });
    auto* layers = new LayerTimeChart;
    layers->setModel(layer_time_model_);
    auto* splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(addPanel(QT_TR_NOOP("Latency per token"), latency_chart_,
                                 QT_TR_NOOP("How long each prompt and output token took to evaluate."),
                                 QT_TR_NOOP("wall time of each evaluated token")));
    splitter->addWidget(addPanel(QT_TR_NOOP("Time per layer"), layers,
                                 QT_TR_NOOP("Where the time of a token goes, block by block (attention + FFN)."),
                                 QT_TR_NOOP("median wall time per block (attention + FFN); a whisker spans the middle half of decode tokens")));
    return splitter;
}

QWidget* MainWindow::buildComputeTab() {
    share_chart_ = new ModelLineChart(QString(), QString());
    share_chart_->setModel(savings_model_, SavingsModel::StepColumn);
    share_chart_->addSeries(QString(), SavingsModel::FlopsPercentColumn, seriesColor(0));
    share_chart_->addSeries(QString(), SavingsModel::BytesPercentColumn, seriesColor(1));

    auto* flops = new ModelLineChart(QString(), QString());
    flops->setModel(savings_model_, SavingsModel::StepColumn);
    flops->addSeries(QString(), SavingsModel::CumFlopsUsedColumn, seriesColor(0), ModelLineChart::Rows::All, 1e-9);
    flops->addSeries(QString(), SavingsModel::CumFlopsDenseColumn, seriesColor(3), ModelLineChart::Rows::All, 1e-9);

    auto* bytes = new ModelLineChart(QString(), QString());
    bytes->setModel(savings_model_, SavingsModel::StepColumn);
    bytes->setBytes(true);
    bytes->addSeries(QString(), SavingsModel::CumBytesUsedColumn, seriesColor(1));
    bytes->addSeries(QString(), SavingsModel::CumBytesDenseColumn, seriesColor(3));

    kv_chart_ = new ModelLineChart(QString(), QString());
    kv_chart_->setModel(savings_model_, SavingsModel::StepColumn);
    kv_chart_->setBytes(true);
    kv_chart_->addSeries(QString(), SavingsModel::KvBytesColumn, seriesColor(2));
    kv_chart_->addSeries(QString(), SavingsModel::KvBytesFullColumn, seriesColor(3));
    translated([this, flops, bytes] {
        for (ModelLineChart* chart : {bytes, kv_chart_}) chart->setAxisTitles(tr("token (step)"), QString());  // y: a byte unit
        share_chart_->setAxisTitles(tr("token (step)"), tr("% of dense"));
        share_chart_->setSeriesName(0, tr("FLOPs"));
        share_chart_->setSeriesName(1, tr("weight bytes"));
        flops->setAxisTitles(tr("token (step)"), tr("GFLOP"));
        for (ModelLineChart* chart : {flops, bytes}) {
            chart->setSeriesName(0, tr("used"));
            chart->setSeriesName(1, tr("dense equivalent"));
        }
        kv_chart_->setSeriesName(1, tr("full multi-head K/V"));  // series 0 names the model's attention
    });

    auto* grid = new QWidget;
    auto* layout = new QGridLayout(grid);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    layout->addWidget(addPanel(QT_TR_NOOP("Work per token vs dense"), share_chart_,
                               QT_TR_NOOP("The FLOPs and weight bytes each token used, as a share of a dense model that runs every expert."),
                               QT_TR_NOOP("share of a dense model running every expert")), 0, 0);
    flops_panel_ = addPanel(QT_TR_NOOP("Cumulative FLOPs"), flops,
                            QT_TR_NOOP("Arithmetic done so far by the routed model and by its dense equivalent."));
    layout->addWidget(flops_panel_, 0, 1);
    bytes_panel_ = addPanel(QT_TR_NOOP("Cumulative weight bytes read"), bytes,
                            QT_TR_NOOP("Weight memory read so far: only the chosen experts' weights are touched."));
    layout->addWidget(bytes_panel_, 1, 0);
    kv_panel_ = addPanel(QT_TR_NOOP("KV cache size"), kv_chart_,
                         QT_TR_NOOP("Bytes the attention cache holds after each token, against full multi-head K/V."));
    layout->addWidget(kv_panel_, 1, 1);
    return grid;
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
    max_tokens_->setMaximum(info.n_ctx_train > 0 ? std::min(4096, info.n_ctx_train) : 4096);
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
    prompt_edit_->setPlainText(QString::fromStdString(store_->document().request.prompt));
    status_label_->setText(tr("Opened session %1.").arg(QFileInfo(path).fileName()));
    title_subject_ = QFileInfo(path).fileName();
    updateWindowTitle();
    warnIfUncovered(prompt_edit_->toPlainText() + output_->toPlainText());
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

void MainWindow::setPrompt(const QString& prompt) { prompt_edit_->setPlainText(prompt); }

void MainWindow::setMaxTokens(int n) { max_tokens_->setValue(n); }

void MainWindow::setSampling(double temperature, int seed) {
    temperature_->setValue(temperature);
    seed_->setValue(seed);
}

bool MainWindow::canRun() const {
    return controller_->hasModel() && controller_->state() == InferenceController::State::Idle;
}

void MainWindow::run() {
    if (!canRun()) return;
    moe::GenerationRequest request;
    request.prompt = prompt_edit_->toPlainText().toStdString();
    if (request.prompt.empty()) {
        showMessage(tr("Type a prompt first."));
        return;
    }
    request.max_new_tokens = max_tokens_->value();
    request.sampling.temperature = static_cast<float>(temperature_->value());
    request.sampling.top_k = top_k_->value();
    request.sampling.top_p = static_cast<float>(top_p_->value());
    request.sampling.seed = static_cast<uint64_t>(seed_->value());
    hideMessage();
    previous_run_ = store_->document();
    output_->clear();
    status_label_->setText(tr("Generating…"));
    controller_->generate(request);
    warnIfUncovered(prompt_edit_->toPlainText());
}

template <class Widget>
Widget* MainWindow::withText(Widget* widget, const char* source) {
    translated([widget, source] {
        if constexpr (std::is_base_of_v<QMenu, Widget>) widget->setTitle(tr(source));
        else if constexpr (std::is_base_of_v<QDockWidget, Widget>) widget->setWindowTitle(tr(source));
        else widget->setText(tr(source));
    });
    return widget;
}

template <class Widget>
void MainWindow::withToolTip(Widget* widget, const char* source) {
    translated([widget, source] { widget->setToolTip(tr(source)); });
}

void MainWindow::translated(std::function<void()> apply) {
    apply();
    retranslators_.push_back(std::move(apply));
}

void MainWindow::changeEvent(QEvent* event) {
    QMainWindow::changeEvent(event);
    if (event->type() != QEvent::LanguageChange || retranslators_.empty()) return;
    for (const auto& apply : retranslators_) apply();
    // Texts that depend on the data are rebuilt from it.
    onStoreReset();
    rebuildRecentMenu();
    updateWindowTitle();
    updateGuide();
    Q_EMIT token_list_model_->headerDataChanged(Qt::Horizontal, 0, TokenListModel::ColumnCount - 1);
}

void MainWindow::updateWindowTitle() {
    setWindowTitle(title_subject_.isEmpty() ? tr("MoEScope") : tr("MoEScope — %1").arg(title_subject_));
}

void MainWindow::updateLegendTitles() {
    const QString routing = value_combo_->currentIndex() == 0 ? tr("probability") : tr("weight");
    token_expert_view_->setLegendTitle(routing);
    layer_expert_view_->setLegendTitle(routing);
    expert_load_view_->setLegendTitle(load_combo_->currentIndex() == 0 ? tr("tokens") : tr("share"));
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
        if (language.isEmpty()) withText(action, QT_TR_NOOP("System default"));
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
    for (ViewPanel* panel : panels_) views.append({panel->objectName(), panel->title(), panel->description()});
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
                               QStringLiteral("tokens")};
    const int i = names.indexOf(name.toLower());
    if (i >= 0) tabs_->setCurrentIndex(i);
}

ViewPanel* MainWindow::showPanel(const QString& title) {
    // "Layer x expert" is accepted for "Layer × expert": the sign is hard to type.
    QString wanted = title.simplified();
    wanted.replace(QStringLiteral(" x "), QStringLiteral(" \u00d7 "), Qt::CaseInsensitive);
    for (ViewPanel* panel : panels_) {
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
    }
    {
        const QSignalBlocker block(layer_combo_);
        layer_combo_->clear();
        for (int l = 0; l < store_->moeLayerCount(); ++l) {
            layer_combo_->addItem(tr("%1 (MoE %2 of %3)").arg(store_->blockOfMoeLayer(l)).arg(l + 1).arg(store_->moeLayerCount()));
        }
        layer_combo_->setCurrentIndex(store_->selectedLayer());
    }
    const int n_expert = store_->expertCount();
    layer_expert_view_->setSeparatorAfterColumn(store_->sharedExpertCount() > 0 ? n_expert - 1 : -1);
    token_expert_view_->setSeparatorAfterColumn(store_->sharedExpertCount() > 0 ? n_expert - 1 : -1);
    // MLA caches a compressed latent, GQA fewer K/V heads; the other line is full multi-head K/V.
    const QString attention = QString::fromStdString(info.attention);
    kv_chart_->setSeriesName(0, attention.startsWith(QLatin1String("MLA")) ? tr("cached (MLA latent)")
                                                                          : tr("cached (%1)").arg(attention.section(QLatin1Char(','), 0, 0)));
    kv_chart_->setPlaceholder(info.n_layer > 0 && info.kv_bytes_per_token == 0 ? tr("no KV cache size in this session") : QString());
    // Imported traces carry only what their recorder wrote; the model card says what is missing.
    const moe::LayerRouting* first = store_->tokenCount() > 0 ? store_->routing(0, 0) : nullptr;
    const bool no_probs = first && first->probs.empty(), no_weights = first && first->weights.empty();
    const bool no_timings = store_->tokenCount() > 0 && store_->token(0).total_ms == 0;
    if (no_probs) value_combo_->setCurrentIndex(1);
    if (store_->document().imported) {
        model_card_->setInfo(info, no_weights ? tr("Imported trace: no router probabilities, weights or timings.")
                                   : no_probs ? tr("Imported trace: no router probabilities (heatmaps show weights), no timings.")
                                              : tr("Imported trace: no timings."));
    }
    latency_chart_->setPlaceholder(no_timings ? tr("this trace has no timings") : QString());
    share_chart_->setPlaceholder(no_timings ? tr("this trace has no compute figures") : QString());
    if (store_->document().generated_text != output_->toPlainText()) output_->setPlainText(store_->document().generated_text);
    onSelectedToken(store_->selectedToken());
    onSelectedLayer(store_->selectedLayer());
    updateStats();
    updateActions();
    updateGuide();
    QTimer::singleShot(0, this, &MainWindow::fitModelDock);
}

void MainWindow::onSelectedToken(int token) {
    // A pinned token is scrolled into view; while following, the views stay at the newest end.
    const bool pinned = !store_->followsLatest();
    token_expert_view_->setHighlightedRow(token, pinned);
    token_strip_->setSelectedToken(token, pinned);
    {
        const QSignalBlocker block(follow_action_);
        follow_action_->setChecked(store_->followsLatest());
    }
    const double marker = pinned && token >= 0 ? store_->token(token).step : -1.0;
    latency_chart_->setMarker(marker);
    share_chart_->setMarker(marker);
    if (token >= 0 && token < store_->tokenCount()) {
        const auto& t = store_->token(token);
        layer_expert_panel_->setSubtitle(tr("token %1 “%2”%3").arg(t.step)
                                             .arg(TokenListModel::displayText(t.text))
                                             .arg(store_->followsLatest() ? tr(" (newest)") : QString()));
        if (!store_->followsLatest()) {
            token_table_->selectionModel()->select(token_table_proxy_->mapFromSource(token_list_model_->index(token, 0)),
                                                   QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        }
    } else {
        layer_expert_panel_->setSubtitle(tr("no token yet"));
    }
}

void MainWindow::onSelectedLayer(int layer) {
    layer_expert_view_->setHighlightedRow(layer);
    expert_load_view_->setHighlightedRow(layer);
    if (layer_combo_->currentIndex() != layer) {
        const QSignalBlocker block(layer_combo_);
        layer_combo_->setCurrentIndex(layer);
    }
    token_expert_panel_->setSubtitle(store_->moeLayerCount() > 0
                                         ? tr("layer %1; scroll or Ctrl+wheel to zoom").arg(store_->blockOfMoeLayer(layer))
                                         : QString());
}

void MainWindow::updateActions() {
    const auto state = controller_->state();
    const bool idle = state == InferenceController::State::Idle;
    run_action_->setEnabled(canRun());
    run_button_->setEnabled(canRun());
    stop_action_->setEnabled(state == InferenceController::State::Generating);
    stop_button_->setEnabled(state == InferenceController::State::Generating);
    open_model_action_->setEnabled(state != InferenceController::State::Loading);
    const bool has_tokens = store_->tokenCount() > 0;
    // An imported trace is saved as itself (Export Routing NPZ), not as a session.
    save_session_action_->setEnabled(idle && has_tokens && !store_->document().imported);
    export_routing_action_->setEnabled(idle && has_tokens);
    export_npz_action_->setEnabled(idle && has_tokens);
    export_latency_action_->setEnabled(idle && has_tokens);
    load_progress_->setVisible(state == InferenceController::State::Loading);
    cancel_load_->setVisible(state == InferenceController::State::Loading);
}

// The panels' subtitles state the running totals in words.
void MainWindow::updateSavingsSummary() {
    const int last = savings_model_->rowCount() - 1;
    if (last < 0) {
        flops_panel_->setSubtitle(tr("routed experts vs every expert"));
        bytes_panel_->setSubtitle(tr("weights touched per token, summed"));
        kv_panel_->setSubtitle(tr("bytes cached after each token"));
        return;
    }
    auto percent = [this, last](int used, int dense) {
        const double d = savings_model_->value(last, dense);
        return QString::number(d > 0 ? 100.0 * savings_model_->value(last, used) / d : 0.0, 'f', 1);
    };
    flops_panel_->setSubtitle(tr("%1% of dense FLOPs so far (attention included)").arg(percent(SavingsModel::CumFlopsUsedColumn, SavingsModel::CumFlopsDenseColumn)));
    bytes_panel_->setSubtitle(tr("%1% of dense weight bytes so far").arg(percent(SavingsModel::CumBytesUsedColumn, SavingsModel::CumBytesDenseColumn)));
    // In the chart's unit, which suits the larger of the two lines.
    const double kv = savings_model_->value(last, SavingsModel::KvBytesColumn);
    const double kv_top = std::max(kv, savings_model_->value(last, SavingsModel::KvBytesFullColumn));
    kv_panel_->setSubtitle(tr("%1 cached, %2% of full multi-head K/V")
                               .arg(formatBytesAs(kv, kv_top),
                                    percent(SavingsModel::KvBytesColumn, SavingsModel::KvBytesFullColumn)));
}

void MainWindow::updateStats() {
    updateSavingsSummary();
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

bool MainWindow::eventFilter(QObject* watched, QEvent* event) {
    // Ctrl+Enter in the prompt editor runs instead of inserting a newline.
    if (watched == prompt_edit_ && event->type() == QEvent::KeyPress) {
        auto* key = static_cast<QKeyEvent*>(event);
        if ((key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) && (key->modifiers() & Qt::ControlModifier)) {
            run();
            return true;
        }
    }
    return QMainWindow::eventFilter(watched, event);
}

}  // namespace moe::gui
