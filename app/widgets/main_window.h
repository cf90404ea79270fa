// The main window: model card, prompt panel and output in docks, one page per tab (Routing,
// Timing, Compute, Tokens), menus and the toolbar. The pages build their own views over the
// TraceStore; the window only assembles them and handles commands and files.
#pragma once

#include <QMainWindow>

#include "gui_private/inference_worker.h"
#include "gui_private/trace_store.h"

class QAction;
class QComboBox;
class QDockWidget;
class QLabel;
class QMenu;
class QPlainTextEdit;
class QProgressBar;
class QProgressDialog;
class QTabWidget;
class QTableView;
class QToolButton;

namespace moe::gui {

class AnalysisPage;
class ComputePage;
class ExpertLoadModel;
class HeatmapView;
class LatencyModel;
class LayerExpertModel;
class LayerTimeModel;
class ModelCard;
class Page;
class PromptPanel;
class RoutingGuide;
class RoutingPage;
class SavingsModel;
class TimingPage;
class TokenExpertModel;
class TokenListModel;
class TokensPage;
class WhatIfPage;
class ComparePage;
class ProfilePage;
class RoutingOverridesBox;
class TokenStripView;
class TraceImporter;
class ViewPanel;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Commands (also what the tests and the screenshot mode drive).
    void openModel(const QString& path);
    bool openSessionFile(const QString& path);  // errors go to the message bar
    QString saveSessionFile(const QString& path);
    QString exportRoutingCsv(const QString& path);
    QString exportRoutingNpz(const QString& path);
    // A trace recorded elsewhere (.npz, vLLM JSON, routing CSV), read off the GUI thread with a
    // progress dialog; emits traceOpened when done (errors go to the message bar).
    void openTraceFile(const QString& path);
    QString exportLatencyCsv(const QString& path);
    void setPrompt(const QString& prompt);
    void setMaxTokens(int n);
    void setSampling(double temperature, int seed);
    void run();
    void runWhatIf();  // the current run's tokens under the store's routing overrides
    void stop();
    void showTab(const QString& name);  // "routing", "timing", "compute", "tokens", "analysis", "whatif", "compare", "profile"
    // The view panel with this title (case-insensitive), its tab brought to front; null if none.
    ViewPanel* showPanel(const QString& title);  // the English or the translated title
    RoutingGuide* openGuide();  // Help → How MoE routing works

    // The pieces, for tests and the benchmark.
    TraceStore* store() const { return store_; }
    InferenceController* controller() const { return controller_; }
    TokenListModel* tokenListModel() const;
    TokenExpertModel* tokenExpertModel() const;
    LayerExpertModel* layerExpertModel() const;
    ExpertLoadModel* expertLoadModel() const;
    LatencyModel* latencyModel() const;
    LayerTimeModel* layerTimeModel() const;
    SavingsModel* savingsModel() const;
    HeatmapView* tokenExpertView() const;
    HeatmapView* layerExpertView() const;
    HeatmapView* expertLoadView() const;
    TokenStripView* tokenStrip() const;
    ModelCard* modelCard() const { return model_card_; }
    QPlainTextEdit* promptEditor() const;
    QTableView* tokenTable() const;
    PromptPanel* promptPanel() const { return prompt_panel_; }
    AnalysisPage* analysisPage() const { return analysis_page_; }
    WhatIfPage* whatIfPage() const { return what_if_page_; }
    ComparePage* comparePage() const { return compare_page_; }
    ProfilePage* profilePage() const { return profile_page_; }
    RoutingOverridesBox* overridesBox() const { return overrides_box_; }
    QList<ViewPanel*> panels() const;  // every page's
    QString messageText() const;  // the message bar's text, empty when hidden
    QString outputText() const;
    QString statsText() const;
    bool canRun() const;

Q_SIGNALS:
    void traceOpened(bool ok);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;  // LanguageChange: every text again

private:
    void buildActions();
    void buildDocks();
    template <class P>
    P* addPage(P* page);  // a tab (its text set with the others) whose panels report exports here
    void updateWindowTitle();
    void showAbout();
    void buildLanguageMenu(QMenu* menu);
    void updateGuide();  // the guide's views and model numbers

    void showMessage(const QString& text);
    void showShortcuts();
    void fitModelDock();  // the Model dock takes the card's height when it has room
    void hideMessage();
    void chooseModel();
    void chooseSession();
    void chooseTrace();
    void chooseExportNpz();
    void onTraceImported(const QString& path, const QString& error, bool cancelled);
    void chooseSaveSession();
    void chooseExport(bool routing);
    void rememberRecent(const QString& path);
    void rebuildRecentMenu();
    void updateActions();
    void updateStats();
    void onStoreReset();
    void onSelectedToken(int token);
    void onSelectedLayer(int layer);
    void onModelLoaded(const moe::ModelInfo& info);
    // Once per window: a status-bar note when no installed font can draw some of `text`.
    void warnIfUncovered(const QString& text);

    TraceStore* store_;
    InferenceController* controller_;

    QTabWidget* tabs_ = nullptr;
    RoutingPage* routing_page_ = nullptr;
    TimingPage* timing_page_ = nullptr;
    ComputePage* compute_page_ = nullptr;
    TokensPage* tokens_page_ = nullptr;
    AnalysisPage* analysis_page_ = nullptr;
    WhatIfPage* what_if_page_ = nullptr;
    ComparePage* compare_page_ = nullptr;
    ProfilePage* profile_page_ = nullptr;
    RoutingOverridesBox* overrides_box_ = nullptr;
    QList<Page*> pages_;
    QLabel* message_bar_ = nullptr;
    QWidget* message_frame_ = nullptr;
    ModelCard* model_card_ = nullptr;
    QDockWidget* model_dock_ = nullptr;
    PromptPanel* prompt_panel_ = nullptr;
    QPlainTextEdit* output_ = nullptr;
    QLabel* stats_label_ = nullptr;
    QComboBox* layer_combo_ = nullptr;
    QComboBox* value_combo_ = nullptr;
    QProgressBar* load_progress_ = nullptr;
    QToolButton* cancel_load_ = nullptr;
    QLabel* status_label_ = nullptr;

    QAction* open_model_action_ = nullptr;
    QAction* open_session_action_ = nullptr;
    QAction* save_session_action_ = nullptr;
    QAction* profile_action_ = nullptr;
    QAction* export_routing_action_ = nullptr;
    QAction* export_latency_action_ = nullptr;
    QAction* export_npz_action_ = nullptr;
    TraceImporter* trace_importer_ = nullptr;
    QProgressDialog* trace_progress_ = nullptr;
    QAction* run_action_ = nullptr;
    QAction* stop_action_ = nullptr;
    QAction* follow_action_ = nullptr;
    QMenu* recent_menu_ = nullptr;
    QString loading_path_;
    bool font_warning_shown_ = false;
    QString title_subject_;  // the open model or session, in the title bar
    RoutingGuide* guide_ = nullptr;
    SessionDocument previous_run_;  // restored when a run fails before its first token
};

// The bundled demo model as the engine finds it (moe::demo_model_path), empty if it is missing.
QString findDemoModel();

}  // namespace moe::gui
