#include "widgets/language.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QSettings>
#include <QTranslator>

namespace moe::gui {

namespace {
const auto kLanguageKey = QStringLiteral("language");

QTranslator& appTranslator() {
    static QTranslator translator;
    return translator;
}

// Qt's own strings (file dialogs, standard buttons, context menus), from qt6-translations-l10n.
QTranslator& qtTranslator() {
    static QTranslator translator;
    return translator;
}

QString& current() {
    static QString language = QStringLiteral("en");
    return language;
}
}  // namespace

QStringList shippedLanguages() { return {QStringLiteral("en"), QStringLiteral("zh_CN")}; }

QString languageName(const QString& language) {
    return language == QLatin1String("zh_CN") ? QStringLiteral("简体中文") : QStringLiteral("English");
}

QString savedLanguage() { return QSettings().value(kLanguageKey).toString(); }

void saveLanguage(const QString& language) {
    QSettings settings;
    if (language.isEmpty()) settings.remove(kLanguageKey);
    else settings.setValue(kLanguageKey, language);
}

QString resolveLanguage(const QString& language) {
    const QStringList wanted = language.isEmpty() ? QLocale::system().uiLanguages() : QStringList{language};
    for (QString name : wanted) {
        name.replace(QLatin1Char('-'), QLatin1Char('_'));
        // Every Chinese locale gets the Simplified translation, the only one there is.
        if (name.startsWith(QLatin1String("zh"))) return QStringLiteral("zh_CN");
        if (name.startsWith(QLatin1String("en"))) return QStringLiteral("en");
    }
    return QStringLiteral("en");
}

QString applyLanguage(const QString& language) {
    const QString resolved = resolveLanguage(language);
    if (resolved == current()) return resolved;
    QCoreApplication::removeTranslator(&appTranslator());
    QCoreApplication::removeTranslator(&qtTranslator());
    // English is the source text: no translator needed.
    if (resolved != QLatin1String("en")) {
        if (appTranslator().load(QStringLiteral(":/i18n/moescope_%1.qm").arg(resolved)))
            QCoreApplication::installTranslator(&appTranslator());
        if (qtTranslator().load(QStringLiteral("qtbase_") + resolved, QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
            QCoreApplication::installTranslator(&qtTranslator());
    }
    current() = resolved;
    return resolved;
}

QString currentLanguage() { return current(); }

}  // namespace moe::gui
