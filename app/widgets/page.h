// One tab of the main window (hotspot's results pages): a page builds its own models and views
// over the shared TraceStore and follows the store's selection itself. The main window only
// places the pages and relays their export messages.
#pragma once

#include <QList>
#include <QPair>
#include <QWidget>

class QAbstractItemModel;
class QTableView;

namespace moe::gui {

class TraceStore;
class ViewPanel;

class Page : public QWidget {
    Q_OBJECT
public:
    explicit Page(TraceStore* store, QWidget* parent = nullptr);
    const QList<ViewPanel*>& panels() const { return panels_; }
    // Writes a table panel's model as CSV (the panel's English title); empty or the error.
    QString exportCsv(const QString& panel_title, const QString& path) const;

Q_SIGNALS:
    void exportFailed(const QString& message);
    void exported(const QString& path);

protected:
    // title, description (the title's tooltip) and subtitle are QT_TR_NOOP sources of the subclass.
    ViewPanel* addPanel(const char* title, QWidget* view, const char* description, const char* subtitle = nullptr);
    // A table view over `model` (sortable by ValueRole through a proxy), and its panel with a CSV… button.
    QTableView* addTable(QAbstractItemModel* model, bool sortable);
    ViewPanel* addTablePanel(const char* title, QTableView* table, const char* description, const char* subtitle = nullptr);
    // A CSV… button in `panel`'s header that exports `model`.
    void addCsvButton(ViewPanel* panel, QAbstractItemModel* model);
    // Texts and view settings that come from the data; runs after a store reset and a language change.
    virtual void onStoreReset() {}
    // Subclasses call this at the end of their constructor, once their views exist.
    void followStore();
    void changeEvent(QEvent* event) override;

    TraceStore* store_;

private:
    QList<ViewPanel*> panels_;
    QList<QPair<ViewPanel*, QAbstractItemModel*>> csv_tables_;
    bool following_ = false;
};

}  // namespace moe::gui
