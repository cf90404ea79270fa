#include "widgets/font_coverage.h"

#include <QGlyphRun>
#include <QSet>
#include <QTextLayout>

namespace moe::gui {

namespace {
// Whether laying `text` out in one line with fallback needs the missing glyph anywhere.
bool needsMissingGlyph(const QString& text, const QFont& font) {
    QTextLayout layout(text, font);
    layout.beginLayout();
    QTextLine line = layout.createLine();
    if (line.isValid()) line.setLineWidth(1e7);  // one line: no wrapping work
    layout.endLayout();
    for (const QGlyphRun& run : layout.glyphRuns()) {
        if (run.glyphIndexes().contains(0)) return true;
    }
    return false;
}
}  // namespace

QString uncoveredCharacters(const QString& text, const QFont& font) {
    // Spaces and control characters have no glyph by design.
    QList<char32_t> printable;
    for (char32_t c : text.toUcs4()) {
        if (QChar::isPrint(c) && !QChar::isSpace(c)) printable.append(c);
    }
    const QString visible = QString::fromUcs4(printable.constData(), printable.size());
    if (visible.isEmpty() || !needsMissingGlyph(visible, font)) return {};
    // Rare path: find the culprits one character at a time.
    QString missing;
    QSet<char32_t> seen;
    for (char32_t c : printable) {
        if (seen.contains(c)) continue;
        seen.insert(c);
        const QString one = QString::fromUcs4(&c, 1);
        if (needsMissingGlyph(one, font)) missing += one;
    }
    return missing;
}

}  // namespace moe::gui
