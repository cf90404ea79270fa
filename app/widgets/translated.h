// Texts that follow the interface language. A widget class marks its source strings with
// QT_TR_NOOP and hands them here; they are translated in that class's context (the one lupdate
// files them under) now and again after every language change.
#pragma once

#include <QCoreApplication>
#include <QDockWidget>
#include <QMenu>
#include <QObject>

#include <functional>
#include <type_traits>

namespace moe::gui {

// Runs `apply` now and whenever `owner` (a widget) receives a LanguageChange.
void translated(QObject* owner, std::function<void()> apply);

// tr(source) in the context of `owner`'s class.
inline QString trIn(const QObject* owner, const char* source) {
    return QCoreApplication::translate(owner->metaObject()->className(), source);
}

// The widget's text (a menu's or dock's title), kept translated; returns the widget.
template <class Widget>
Widget* withText(QObject* owner, Widget* widget, const char* source) {
    translated(owner, [owner, widget, source] {
        if constexpr (std::is_base_of_v<QMenu, Widget>) widget->setTitle(trIn(owner, source));
        else if constexpr (std::is_base_of_v<QDockWidget, Widget>) widget->setWindowTitle(trIn(owner, source));
        else widget->setText(trIn(owner, source));
    });
    return widget;
}

template <class Widget>
void withToolTip(QObject* owner, Widget* widget, const char* source) {
    translated(owner, [owner, widget, source] { widget->setToolTip(trIn(owner, source)); });
}

}  // namespace moe::gui
