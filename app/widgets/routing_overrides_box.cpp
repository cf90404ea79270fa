#include "widgets/routing_overrides_box.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include "gui_private/trace_store.h"
#include "widgets/translated.h"

namespace moe::gui {

RoutingOverridesBox::RoutingOverridesBox(TraceStore* store, QWidget* parent)
    : QGroupBox(parent), store_(store), top_k_(new QSpinBox), dense_(new QCheckBox), disabled_(new QLabel),
      progress_(new QLabel) {
    translated(this, [this] { setTitle(tr("Routing what-if")); });
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    form->setLabelAlignment(Qt::AlignRight);
    withToolTip(this, top_k_, QT_TR_NOOP("Experts each token is routed to (model: the model's own top-k)"));
    withText(this, dense_, QT_TR_NOOP("Dense (every expert)"));
    disabled_->setWordWrap(true);
    withToolTip(this, disabled_, QT_TR_NOOP("Right-click an expert in a routing heatmap to disable or enable it"));
    clear_ = withText(this, new QPushButton, QT_TR_NOOP("Enable all"));
    auto* disabled_row = new QHBoxLayout;
    disabled_row->addWidget(disabled_, 1);
    disabled_row->addWidget(clear_);
    form->addRow(withText(this, new QLabel, QT_TR_NOOP("Top-k")), top_k_);
    form->addRow(QString(), dense_);
    form->addRow(withText(this, new QLabel, QT_TR_NOOP("Disabled")), disabled_row);
    layout->addLayout(form);
    run_button_ = withText(this, new QPushButton, QT_TR_NOOP("Run what-if"));
    withToolTip(this, run_button_,
                QT_TR_NOOP("Evaluate the current run's tokens again under these overrides and compare, token by token"));
    auto* run_row = new QHBoxLayout;
    run_row->addWidget(run_button_);
    run_row->addWidget(progress_, 1);
    layout->addLayout(run_row);

    connect(top_k_, &QSpinBox::valueChanged, this, &RoutingOverridesBox::applyControls);
    connect(dense_, &QCheckBox::toggled, this, &RoutingOverridesBox::applyControls);
    connect(clear_, &QPushButton::clicked, this, [this] {
        moe::RoutingOverrides o = store_->overrides();
        o.disabled.clear();
        store_->setOverrides(o);
    });
    connect(run_button_, &QPushButton::clicked, this, &RoutingOverridesBox::runWhatIfRequested);
    connect(store_, &TraceStore::overridesChanged, this, &RoutingOverridesBox::showOverrides);
    connect(store_, &TraceStore::resetDone, this, &RoutingOverridesBox::showOverrides);
    translated(this, [this] { showOverrides(); });
}

void RoutingOverridesBox::showOverrides() {
    updating_ = true;
    const moe::RoutingOverrides& o = store_->overrides();
    const moe::ModelInfo& info = store_->modelInfo();
    top_k_->setRange(0, std::max(1, info.n_expert));
    top_k_->setSpecialValueText(tr("model (%1)").arg(info.n_expert_used));
    top_k_->setValue(o.top_k);
    top_k_->setEnabled(!o.dense);
    dense_->setChecked(o.dense);
    QStringList pairs;
    for (const auto& [layer, expert] : o.disabled) pairs << tr("E%1 in L%2").arg(expert).arg(layer);
    disabled_->setText(pairs.isEmpty() ? tr("none") : pairs.join(QStringLiteral(", ")));
    clear_->setEnabled(!pairs.isEmpty());
    updating_ = false;
}

void RoutingOverridesBox::applyControls() {
    if (updating_) return;
    moe::RoutingOverrides o = store_->overrides();
    o.top_k = top_k_->value();
    o.dense = dense_->isChecked();
    store_->setOverrides(o);
}

void RoutingOverridesBox::setRunEnabled(bool enabled) { run_button_->setEnabled(enabled); }

void RoutingOverridesBox::setProgress(int done, int total) {
    progress_->setText(total > 0 ? tr("%1 of %2 positions").arg(done).arg(total) : QString());
}

}  // namespace moe::gui
