// The Prompt dock's contents: the prompt editor, one-click sample prompts, the sampling
// settings and Run / Stop. It only builds requests; the main window sends them.
#pragma once

#include <QWidget>

#include "engine/engine.h"

class QCheckBox;
class QDoubleSpinBox;
class QLayout;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace moe::gui {

class PromptPanel : public QWidget {
    Q_OBJECT
public:
    explicit PromptPanel(QWidget* parent = nullptr);

    // The prompt and sampling settings as a request (the prompt may be empty).
    moe::GenerationRequest request() const;
    QString prompt() const;
    void setPrompt(const QString& prompt);
    void setMaxTokens(int n);
    void setMaxTokensLimit(int n);  // what the model's context leaves
    void setSampling(double temperature, int seed);
    // Exact F32 activations (SessionOptions::exact, the CLI's --exact); kept in the settings
    // when the user ticks it.
    bool exactActivations() const;
    void setExactActivations(bool exact);
    void setRunEnabled(bool enabled);
    void setStopEnabled(bool enabled);
    QPlainTextEdit* editor() const { return editor_; }

Q_SIGNALS:
    void runRequested();  // Run, Ctrl+Enter in the editor, or a sample prompt
    void stopRequested();
    void exactActivationsChanged(bool exact);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QLayout* buildSamplePrompts();

    QPlainTextEdit* editor_;
    QSpinBox* max_tokens_;
    QDoubleSpinBox* temperature_;
    QSpinBox* top_k_;
    QDoubleSpinBox* top_p_;
    QSpinBox* seed_;
    QCheckBox* exact_;
    QPushButton* run_button_;
    QPushButton* stop_button_;
};

}  // namespace moe::gui
