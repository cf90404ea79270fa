// The main window: model card and prompt controls in docks, the routing views, timing and
// compute charts in tabs, streamed output below. Everything reads the TraceStore through the
// item models; the window itself only wires selection, commands and files.
#pragma once

#include <QMainWindow>

#include <functional>
#include <vector>

#include "gui_private/inference_worker.h"
#include "gui_private/trace_store.h"

class QAction;
class QComboBox;
class QDockWidget;
class QDoubleSpinBox;
class QLabel;
class QLayout;
class QMenu;
class QPlainTextEdit;
class QProgressBar;
class QProgressDialog;
class QPushButton;
class QSortFilterProxyModel;
class QSpinBox;
class QTabWidget;
class QTableView;
class QToolButton;

namespace moe::gui {

class ExpertLoadModel;
class HeatmapView;
class LatencyModel;
class LayerExpertModel;
class LayerTimeChart;
class LayerTimeModel;
class ModelCard;
class ModelLineChart;
class RoutingGuide;
class SavingsModel;
class TokenExpertModel;
class TokenListModel;
class TokenStripView;
class TraceImporter;
class TraceStore;
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
    void stop();
    void showTab(const QString& name);  // "routing", "timing", "compute", "tokens"
    // The view panel with this title (case-insensitive), its tab brought to front; null if none.
    ViewPanel* showPanel(const QString& title);  // the English or the translated title
    RoutingGuide* openGuide();  // Help → How MoE routing works

    // The pieces, for tests and the benchmark.
    TraceStore* store() const { return store_; }
    InferenceController* controller() const { return controller_; }
    TokenListModel* tokenListModel() const { return token_list_model_; }
    TokenExpertModel* tokenExpertModel() const { return token_expert_model_; }
    LayerExpertModel* layerExpertModel() const { return layer_expert_model_; }
    ExpertLoadModel* expertLoadModel() const { return expert_load_model_; }
    LatencyModel* latencyModel() const { return latency_model_; }
    LayerTimeModel* layerTimeModel() const { return layer_time_model_; }
    SavingsModel* savingsModel() const { return savings_model_; }
    HeatmapView* tokenExpertView() const { return token_expert_view_; }
    HeatmapView* layerExpertView() const { return layer_expert_view_; }
    HeatmapView* expertLoadView() const { return expert_load_view_; }
    TokenStripView* tokenStrip() const { return token_strip_; }
    ModelCard* modelCard() const { return model_card_; }
    QPlainTextEdit* promptEditor() const { return prompt_edit_; }
    QTableView* tokenTable() const { return token_table_; }
    QList<ViewPanel*> panels() const { return panels_; }
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
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void buildActions();
    void buildDocks();
    QWidget* buildRoutingTab();
    QWidget* buildTimingTab();
    QWidget* buildComputeTab();
    // title, description (the title's tooltip) and subtitle are untranslated (QT_TR_NOOP) sources.
    ViewPanel* addPanel(const char* title, QWidget* view, const char* description, const char* subtitle = nullptr);

    // Runs `apply` now and after every language change; it sets texts with tr().
    void translated(std::function<void()> apply);
    template <class Widget>
    Widget* withText(Widget* widget, const char* source);  // text (or title) tr(source), kept translated
    template <class Widget>
    void withToolTip(Widget* widget, const char* source);
    void updateWindowTitle();
    void updateLegendTitles();
    void showAbout();
    void buildLanguageMenu(QMenu* menu);
    QLayout* buildSamplePrompts();
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
    void updateSavingsSummary();
    void onStoreReset();
    void onSelectedToken(int token);
    void onSelectedLayer(int layer);
    void onModelLoaded(const moe::ModelInfo& info);
    // Once per window: a status-bar note when no installed font can draw some of `text`.
    void warnIfUncovered(const QString& text);

    TraceStore* store_;
    InferenceController* controller_;
    TokenListModel* token_list_model_;
    TokenExpertModel* token_expert_model_;
    LayerExpertModel* layer_expert_model_;
    ExpertLoadModel* expert_load_model_;
    LatencyModel* latency_model_;
    LayerTimeModel* layer_time_model_;
    SavingsModel* savings_model_;

    QTabWidget* tabs_ = nullptr;
    QLabel* message_bar_ = nullptr;
    QWidget* message_frame_ = nullptr;
    ModelCard* model_card_ = nullptr;
    QDockWidget* model_dock_ = nullptr;
    QPlainTextEdit* prompt_edit_ = nullptr;
    QSpinBox* max_tokens_ = nullptr;
    QDoubleSpinBox* temperature_ = nullptr;
    QSpinBox* top_k_ = nullptr;
    QDoubleSpinBox* top_p_ = nullptr;
    QSpinBox* seed_ = nullptr;
    QPushButton* run_button_ = nullptr;
    QPushButton* stop_button_ = nullptr;
    QPlainTextEdit* output_ = nullptr;
    QLabel* stats_label_ = nullptr;
    QComboBox* layer_combo_ = nullptr;
    QComboBox* value_combo_ = nullptr;
    QComboBox* load_combo_ = nullptr;
    QProgressBar* load_progress_ = nullptr;
    QToolButton* cancel_load_ = nullptr;
    QLabel* status_label_ = nullptr;
    HeatmapView* token_expert_view_ = nullptr;
    HeatmapView* layer_expert_view_ = nullptr;
    HeatmapView* expert_load_view_ = nullptr;
    TokenStripView* token_strip_ = nullptr;
    QTableView* token_table_ = nullptr;
    QSortFilterProxyModel* token_table_proxy_ = nullptr;  // sorts the token table by any column
    ModelLineChart* kv_chart_ = nullptr;
    ModelLineChart* latency_chart_ = nullptr;
    ModelLineChart* share_chart_ = nullptr;
    ViewPanel* token_expert_panel_ = nullptr;
    ViewPanel* layer_expert_panel_ = nullptr;
    ViewPanel* flops_panel_ = nullptr;
    ViewPanel* bytes_panel_ = nullptr;
    ViewPanel* kv_panel_ = nullptr;
    QList<ViewPanel*> panels_;

    QAction* open_model_action_ = nullptr;
    QAction* open_session_action_ = nullptr;
    QAction* save_session_action_ = nullptr;
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
    std::vector<std::function<void()>> retranslators_;
};

// The bundled demo model as the engine finds it (moe::demo_model_path), empty if it is missing.
QString findDemoModel();

}  // namespace moe::gui
