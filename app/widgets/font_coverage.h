// Which characters of a text no installed font can draw (they would show as empty boxes).
// Found the way Qt draws them: the text is laid out with font fallback, and glyph 0 (the
// font's missing-glyph box) marks a character that no font covers.
#pragma once

#include <QFont>
#include <QString>

namespace moe::gui {

// The distinct printable characters of `text` that `font` and all its fallbacks lack, in order.
QString uncoveredCharacters(const QString& text, const QFont& font);

}  // namespace moe::gui
