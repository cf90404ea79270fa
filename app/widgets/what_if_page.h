// The What-if tab: the newest what-if run position by position (KL, Δ log p, greedy change,
// FLOPs and bytes saved) under its summary line; exports as CSV, PNG or SVG.
#pragma once

#include "widgets/page.h"

class QAbstractItemModel;
class QLabel;
class QTableView;

namespace moe::gui {

class WhatIfModel;

class WhatIfPage : public Page {
    Q_OBJECT
public:
    explicit WhatIfPage(TraceStore* store, QWidget* parent = nullptr);
    WhatIfModel* model() const { return model_; }
    QTableView* table() const { return table_; }
    QString summary() const;
    QString exportCsv(const QString& path) const;  // an empty string or the error

protected:
    void onStoreReset() override;

private:
    void showSummary();

    WhatIfModel* model_;
    QTableView* table_;
    QLabel* summary_;
};

// A "CSV…" button for a panel's header that writes `model` through tableCsv.
QWidget* csvExportButton(Page* page, const QAbstractItemModel* model, const QString& suggested_name);

}  // namespace moe::gui
