#include "widgets/tokens_page.h"

#include <QEvent>
#include <QHeaderView>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include "gui_private/routing_models.h"
#include "gui_private/trace_store.h"

namespace moe::gui {

TokensPage::TokensPage(TraceStore* store, QWidget* parent)
    : Page(store, parent), token_list_model_(new TokenListModel(store, this)), table_(new QTableView), proxy_(new QSortFilterProxyModel(this)) {
    proxy_->setSourceModel(token_list_model_);
    proxy_->setSortRole(ValueRole);  // numbers sort as numbers
    table_->setModel(proxy_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(TokenListModel::StepColumn, Qt::AscendingOrder);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->horizontalHeader()->setDefaultSectionSize(96);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);  // headers name the layer
    table_->horizontalHeader()->setResizeContentsPrecision(200);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setAlternatingRowColors(true);
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 4);
    connect(table_, &QTableView::clicked, this, [this](const QModelIndex& i) {
        store_->selectToken(proxy_->mapToSource(i).row());
        store_->selectExpertCell(i.data(ExpertCellRole));  // a top expert cell: the inspector shows it
    });
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(table_);
    connect(store_, &TraceStore::selectedTokenChanged, this, &TokensPage::onSelectedToken);
    followStore();
}

void TokensPage::onStoreReset() { onSelectedToken(store_->selectedToken()); }

void TokensPage::onSelectedToken(int token) {
    if (store_->followsLatest() || token < 0 || token >= store_->tokenCount()) return;
    table_->selectionModel()->select(proxy_->mapFromSource(token_list_model_->index(token, 0)),
                                     QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

void TokensPage::changeEvent(QEvent* event) {
    Page::changeEvent(event);
    if (event->type() == QEvent::LanguageChange) {
        Q_EMIT token_list_model_->headerDataChanged(Qt::Horizontal, 0, TokenListModel::ColumnCount - 1);
    }
}

}  // namespace moe::gui
