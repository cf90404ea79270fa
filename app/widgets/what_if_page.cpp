#include "widgets/what_if_page.h"

#include <QFileDialog>
#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include "gui_private/analysis_models.h"
#include "gui_private/exports.h"
#include "gui_private/run_models.h"
#include "gui_private/trace_store.h"
#include "widgets/translated.h"
#include "widgets/view_panel.h"

namespace moe::gui {

QWidget* csvExportButton(Page* page, const QAbstractItemModel* model, const QString& suggested_name) {
    // A free function: lupdate files its texts under the namespace's context.
    const auto tr = [](const char* source) { return QCoreApplication::translate("moe::gui", source); };
    auto* button = new QToolButton;
    translated(button, [button, tr] {
        button->setText(tr(QT_TR_NOOP("CSV…")));
        button->setToolTip(tr(QT_TR_NOOP("Export the table as CSV")));
    });
    QObject::connect(button, &QToolButton::clicked, page, [page, model, suggested_name, tr] {
        const QString path = QFileDialog::getSaveFileName(page, tr(QT_TR_NOOP("Export CSV")), suggested_name,
                                                          tr(QT_TR_NOOP("CSV files (*.csv)")));
        if (path.isEmpty()) return;
        const QString error = writeFileAtomically(path, tableCsv(*model));
        if (error.isEmpty()) Q_EMIT page->exported(path);
        else Q_EMIT page->exportFailed(error);
    });
    return button;
}

WhatIfPage::WhatIfPage(TraceStore* store, QWidget* parent)
    : Page(store, parent), model_(new WhatIfModel(store, this)), table_(new QTableView), summary_(new QLabel) {
    table_->setModel(model_);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->setAlternatingRowColors(true);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 4);
    connect(table_, &QTableView::clicked, this, [this](const QModelIndex& i) {
        const moe::RunRecord* run = model_->record();
        if (run && i.row() < store_->tokenCount() && model_->run() >= 0 && run->baseline == store_->currentRun())
            store_->selectToken(i.row());  // the baseline's trace is the one on screen
    });
    summary_->setWordWrap(true);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* body = new QWidget;
    auto* body_layout = new QVBoxLayout(body);
    body_layout->setContentsMargins(0, 0, 0, 0);
    body_layout->addWidget(summary_);
    body_layout->addWidget(table_, 1);
    ViewPanel* panel = addPanel(QT_TR_NOOP("What-if"), body,
                                QT_TR_NOOP("The current run's tokens evaluated again under the routing overrides, "
                                           "teacher-forced: per position, how far the next-token distribution moved "
                                           "(KL, baseline ‖ what-if), the change in the baseline token's "
                                           "log-probability, whether the greedy choice changed, and the work saved"));
    panel->addHeaderWidget(csvExportButton(this, model_, QStringLiteral("what-if.csv")));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(panel);
    connect(model_, &QAbstractItemModel::modelReset, this, &WhatIfPage::showSummary);
    followStore();
}

void WhatIfPage::onStoreReset() { showSummary(); }

void WhatIfPage::showSummary() { summary_->setText(model_->summaryLine()); }

QString WhatIfPage::summary() const { return summary_->text(); }

QString WhatIfPage::exportCsv(const QString& path) const { return writeFileAtomically(path, tableCsv(*model_)); }

}  // namespace moe::gui
