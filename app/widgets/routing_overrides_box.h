// The prompt dock's routing what-ifs: top-k, dense mode and the experts disabled from a
// heatmap's context menu, kept in the TraceStore (free generation uses them too), and
// "Run what-if", which re-evaluates the current run's tokens under them.
#pragma once

#include <QGroupBox>

class QCheckBox;
class QLabel;
class QPushButton;
class QSpinBox;

namespace moe::gui {

class TraceStore;

class RoutingOverridesBox : public QGroupBox {
    Q_OBJECT
public:
    explicit RoutingOverridesBox(TraceStore* store, QWidget* parent = nullptr);
    void setRunEnabled(bool enabled);
    void setProgress(int done, int total);  // total 0: idle
    QPushButton* runButton() const { return run_button_; }
    QSpinBox* topK() const { return top_k_; }

Q_SIGNALS:
    void runWhatIfRequested();

private:
    void showOverrides();  // the store's overrides into the controls
    void applyControls();  // the controls into the store

    TraceStore* store_;
    QSpinBox* top_k_;
    QCheckBox* dense_;
    QLabel* disabled_;
    QPushButton* clear_;
    QPushButton* run_button_;
    QLabel* progress_;
    bool updating_ = false;
};

}  // namespace moe::gui
