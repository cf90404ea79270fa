#include "widgets/prompt_panel.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include <limits>

#include "widgets/translated.h"

namespace moe::gui {

namespace {
const QString kExactKey = QStringLiteral("run/exactActivations");
}  // namespace

PromptPanel::PromptPanel(QWidget* parent)
    : QWidget(parent),
      editor_(new QPlainTextEdit),
      max_tokens_(new QSpinBox),
      temperature_(new QDoubleSpinBox),
      top_k_(new QSpinBox),
      top_p_(new QDoubleSpinBox),
      seed_(new QSpinBox),
      exact_(new QCheckBox) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 4, 8, 8);
    translated(this, [this] { editor_->setPlaceholderText(tr("Type a prompt, then press Ctrl+Enter")); });
    editor_->setPlainText(QStringLiteral("The quick brown fox"));
    editor_->installEventFilter(this);
    layout->addWidget(editor_, 1);
    layout->addLayout(buildSamplePrompts());
    auto* form = new QFormLayout;
    form->setLabelAlignment(Qt::AlignRight);
    max_tokens_->setRange(1, 4096);
    max_tokens_->setValue(32);  // the CLI's --n-predict default, so exports compare 1:1
    temperature_->setRange(0.0, 2.0);
    temperature_->setSingleStep(0.1);
    temperature_->setValue(0.0);
    translated(this, [this] { temperature_->setSpecialValueText(tr("0 (greedy)")); });
    top_k_->setRange(0, 1000);
    translated(this, [this] { top_k_->setSpecialValueText(tr("off")); });
    top_p_->setRange(0.01, 1.0);
    top_p_->setSingleStep(0.05);
    top_p_->setValue(1.0);
    seed_->setRange(0, std::numeric_limits<int>::max());
    withToolTip(this, max_tokens_, QT_TR_NOOP("How many tokens to generate after the prompt (at most what the context leaves)"));
    withToolTip(this, temperature_, QT_TR_NOOP("Randomness of sampling: 0 always takes the most likely token (greedy)"));
    withToolTip(this, top_k_, QT_TR_NOOP("Sample only among the k most likely tokens (off: all tokens)"));
    withToolTip(this, top_p_, QT_TR_NOOP("Sample only among the most likely tokens whose probabilities add up to p"));
    withToolTip(this, seed_, QT_TR_NOOP("Seed of the random sampler: the same seed repeats the same output"));
    form->addRow(withText(this, new QLabel, QT_TR_NOOP("Max tokens")), max_tokens_);
    form->addRow(withText(this, new QLabel, QT_TR_NOOP("Temperature")), temperature_);
    form->addRow(withText(this, new QLabel, QT_TR_NOOP("Top-k")), top_k_);
    form->addRow(withText(this, new QLabel, QT_TR_NOOP("Top-p")), top_p_);
    form->addRow(withText(this, new QLabel, QT_TR_NOOP("Seed")), seed_);
    withText(this, exact_, QT_TR_NOOP("Exact F32 activations"));
    withToolTip(this, exact_, QT_TR_NOOP("Keep activations in F32 instead of quantizing them as llama.cpp does: slower, "
                                         "for bit-careful comparisons (moescope-cli --exact)"));
    exact_->setChecked(QSettings().value(kExactKey, false).toBool());
    connect(exact_, &QCheckBox::toggled, this, &PromptPanel::exactActivationsChanged);
    connect(exact_, &QCheckBox::clicked, this, [](bool exact) { QSettings().setValue(kExactKey, exact); });
    form->addRow(exact_);
    layout->addLayout(form);
    auto* buttons = new QHBoxLayout;
    run_button_ = withText(this, new QPushButton, QT_TR_NOOP("Run"));
    run_button_->setDefault(true);
    withToolTip(this, run_button_, QT_TR_NOOP("Run the prompt (Ctrl+Enter)"));
    stop_button_ = withText(this, new QPushButton, QT_TR_NOOP("Stop"));
    connect(run_button_, &QPushButton::clicked, this, &PromptPanel::runRequested);
    connect(stop_button_, &QPushButton::clicked, this, &PromptPanel::stopRequested);
    buttons->addWidget(run_button_, 1);
    buttons->addWidget(stop_button_);
    layout->addLayout(buttons);
}

QLayout* PromptPanel::buildSamplePrompts() {
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
    row->addWidget(withText(this, new QLabel, QT_TR_NOOP("Samples:")));
    for (const Sample& sample : samples) {
        auto* button = new QToolButton;
        const QString prompt = QString::fromUtf8(sample.prompt);
        translated(this, [button, sample] {
            button->setText(tr(sample.name));
            button->setToolTip(tr("Run this %1 sample prompt").arg(tr(sample.name)));
        });
        connect(button, &QToolButton::clicked, this, [this, prompt] {
            setPrompt(prompt);
            Q_EMIT runRequested();
        });
        row->addWidget(button);
    }
    row->addStretch(1);
    return row;
}

moe::GenerationRequest PromptPanel::request() const {
    moe::GenerationRequest request;
    request.prompt = editor_->toPlainText().toStdString();
    request.max_new_tokens = max_tokens_->value();
    request.sampling.temperature = static_cast<float>(temperature_->value());
    request.sampling.top_k = top_k_->value();
    request.sampling.top_p = static_cast<float>(top_p_->value());
    request.sampling.seed = static_cast<uint64_t>(seed_->value());
    return request;
}

QString PromptPanel::prompt() const { return editor_->toPlainText(); }

void PromptPanel::setPrompt(const QString& prompt) { editor_->setPlainText(prompt); }

void PromptPanel::setMaxTokens(int n) { max_tokens_->setValue(n); }

void PromptPanel::setMaxTokensLimit(int n) { max_tokens_->setMaximum(n); }

void PromptPanel::setSampling(double temperature, int seed) {
    temperature_->setValue(temperature);
    seed_->setValue(seed);
}

bool PromptPanel::exactActivations() const { return exact_->isChecked(); }

void PromptPanel::setExactActivations(bool exact) { exact_->setChecked(exact); }

void PromptPanel::setRunEnabled(bool enabled) { run_button_->setEnabled(enabled); }

void PromptPanel::setStopEnabled(bool enabled) { stop_button_->setEnabled(enabled); }

bool PromptPanel::eventFilter(QObject* watched, QEvent* event) {
    // Ctrl+Enter in the prompt editor runs instead of inserting a newline.
    if (watched == editor_ && event->type() == QEvent::KeyPress) {
        auto* key = static_cast<QKeyEvent*>(event);
        if ((key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) && (key->modifiers() & Qt::ControlModifier)) {
            Q_EMIT runRequested();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

}  // namespace moe::gui
