// The Tokens tab: every evaluated token in a sortable table.
#pragma once

#include "widgets/page.h"

class QSortFilterProxyModel;
class QTableView;

namespace moe::gui {

class TokenListModel;

class TokensPage : public Page {
    Q_OBJECT
public:
    explicit TokensPage(TraceStore* store, QWidget* parent = nullptr);
    TokenListModel* tokenListModel() const { return token_list_model_; }
    QTableView* table() const { return table_; }

protected:
    void onStoreReset() override;
    void changeEvent(QEvent* event) override;

private:
    void onSelectedToken(int token);

    TokenListModel* token_list_model_;
    QTableView* table_;
    QSortFilterProxyModel* proxy_;  // sorts the table by any column
};

}  // namespace moe::gui
