// The interface language: the system locale's unless View → Language chose one, which is kept
// in QSettings. Switching installs other translators; Qt then sends every widget LanguageChange.
#pragma once

#include <QString>
#include <QStringList>

namespace moe::gui {

QStringList shippedLanguages();                // locale names: "en", "zh_CN"
QString languageName(const QString& language);  // in that language: "English", "简体中文"
QString savedLanguage();                        // empty: follow the system locale
void saveLanguage(const QString& language);
// The shipped language for `language`, or for the system locale when it is empty ("en" if none fits).
QString resolveLanguage(const QString& language);
// Installs the translation of `language` (resolved as above); returns the language now in effect.
QString applyLanguage(const QString& language);
QString currentLanguage();

}  // namespace moe::gui
