#include "widgets/page.h"

#include <QEvent>
#include <QFileDialog>
#include <QHeaderView>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QToolButton>

#include "gui_private/analysis_models.h"
#include "gui_private/exports.h"
#include "gui_private/trace_store.h"
#include "widgets/translated.h"
#include "widgets/view_panel.h"

namespace moe::gui {

Page::Page(TraceStore* store, QWidget* parent) : QWidget(parent), store_(store) {}

ViewPanel* Page::addPanel(const char* title, QWidget* view, const char* description, const char* subtitle) {
    auto* panel = new ViewPanel(QString(), view);
    panel->setObjectName(QString::fromUtf8(title));  // the English title: --view and the guide's links find it
    translated(this, [this, panel, title, description, subtitle] {
        panel->setTitle(trIn(this, title));
        panel->setDescription(trIn(this, description));
        if (subtitle) panel->setSubtitle(trIn(this, subtitle));
    });
    connect(panel, &ViewPanel::exportFailed, this, &Page::exportFailed);
    connect(panel, &ViewPanel::exported, this, &Page::exported);
    panels_.append(panel);
    return panel;
}

QTableView* Page::addTable(QAbstractItemModel* model, bool sortable) {
    auto* table = new QTableView;
    if (sortable) {
        auto* proxy = new QSortFilterProxyModel(table);
        proxy->setSourceModel(model);
        proxy->setSortRole(ValueRole);  // numbers sort as numbers
        table->setModel(proxy);
        table->setSortingEnabled(true);
        table->sortByColumn(0, Qt::AscendingOrder);
    } else {
        table->setModel(model);
    }
    table->verticalHeader()->hide();
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->horizontalHeader()->setStretchLastSection(true);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->setAlternatingRowColors(true);
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 4);
    connect(table, &QTableView::clicked, store_, [this](const QModelIndex& i) { store_->selectExpertCell(i.data(ExpertCellRole)); });
    return table;
}

ViewPanel* Page::addTablePanel(const char* title, QTableView* table, const char* description, const char* subtitle) {
    ViewPanel* panel = addPanel(title, table, description, subtitle);
    auto* proxy = qobject_cast<QSortFilterProxyModel*>(table->model());
    addCsvButton(panel, proxy ? proxy->sourceModel() : table->model());
    return panel;
}

void Page::addCsvButton(ViewPanel* panel, QAbstractItemModel* model) {
    csv_tables_.append({panel, model});
    auto* csv = new QToolButton;
    csv->setAutoRaise(true);
    // Page's own context: every page shares these two strings.
    translated(this, [csv] {
        csv->setText(Page::tr("CSV…"));
        csv->setToolTip(Page::tr("Export this table as CSV"));
    });
    connect(csv, &QToolButton::clicked, this, [this, panel] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export %1").arg(panel->title()),
                                                          panel->objectName().toLower().replace(QLatin1Char(' '), QLatin1Char('-')) +
                                                              QStringLiteral(".csv"),
                                                          tr("CSV files (*.csv)"));
        if (path.isEmpty()) return;
        const QString error = exportCsv(panel->objectName(), path);
        if (error.isEmpty()) Q_EMIT exported(path);
        else Q_EMIT exportFailed(error);
    });
    panel->addHeaderWidget(csv);
}

QString Page::exportCsv(const QString& panel_title, const QString& path) const {
    for (const auto& [panel, model] : csv_tables_) {
        if (panel->objectName() == panel_title) return writeFileAtomically(path, tableCsv(*model));
    }
    return tr("no table named %1").arg(panel_title);
}

void Page::followStore() {
    following_ = true;
    connect(store_, &TraceStore::resetDone, this, &Page::onStoreReset);
    onStoreReset();
}

void Page::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::LanguageChange && following_) onStoreReset();
}

}  // namespace moe::gui
