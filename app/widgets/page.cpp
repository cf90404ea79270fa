#include "widgets/page.h"

#include <QEvent>

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
