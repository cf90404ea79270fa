// Chinese text renders with real glyphs (a CJK font is installed and found through fallback),
// and the window says once when some text has no font at all.
#include <gtest/gtest.h>

#include <QApplication>
#include <QFontMetrics>
#include <QGlyphRun>
#include <QImage>
#include <QPainter>
#include <QRawFont>
#include <QStatusBar>
#include <QTextLayout>

#include "app/app_test_util.h"
#include "gui_private/routing_models.h"
#include "gui_private/synthetic_trace.h"
#include "gui_private/trace_store.h"
#include "widgets/font_coverage.h"
#include "widgets/main_window.h"
#include "widgets/token_strip_view.h"

using namespace moe::gui;

namespace {

const QString kChinese = QStringLiteral("床前明月光");
// Linear B syllable A: no font on a Debian desktop covers it, so it is drawn as the missing glyph.
const QString kNoFont = QString::fromUcs4(U"\U00010000", 1);

// One token strip with a single chip showing `text`, rendered offscreen.
QImage renderChip(const QString& text) {
    const SyntheticShape shape = moe::test::smallShape(3, 8, 2, 1);
    TraceStore store;
    TokenListModel model(&store);
    store.resetModel(syntheticModelInfo(shape));
    auto tokens = syntheticTokens(shape, 0, 1);
    tokens[0].text = text.toStdString();
    store.appendTokens(tokens);
    TokenStripView strip;
    strip.setModel(&model);
    strip.resize(300, 80);
    QImage image(strip.exportSize(), QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter p(&image);
    strip.renderTo(&p, image.rect());
    return image;
}

}  // namespace

TEST(AppFonts, ChineseResolvesToAFontThatHasTheGlyph) {
    TokenStripView strip;
    QTextLayout layout(QStringLiteral("\u660e"), strip.font());  // 明
    layout.beginLayout();
    layout.createLine().setLineWidth(1000);
    layout.endLayout();
    const QList<QGlyphRun> runs = layout.glyphRuns();
    ASSERT_EQ(runs.size(), 1);
    EXPECT_NE(runs[0].glyphIndexes().value(0), 0u) << "glyph 0 is the missing-glyph box";
    EXPECT_TRUE(runs[0].rawFont().supportsCharacter(QChar(0x660e)))
        << "fallback font " << runs[0].rawFont().familyName().toStdString();
    EXPECT_TRUE(QFontMetrics(runs[0].rawFont().familyName()).inFontUcs4(0x660e));
}

TEST(AppFonts, UncoveredCharactersAreNamed) {
    const QFont font = QApplication::font();
    EXPECT_EQ(uncoveredCharacters(kChinese + QStringLiteral(" def f(x): return 2+3\n"), font), QString());
    EXPECT_EQ(uncoveredCharacters(QStringLiteral("a") + kNoFont + QStringLiteral("\u660e") + kNoFont, font), kNoFont);
}

TEST(AppFonts, ChineseTokenChipIsNotTheMissingGlyphBox) {
    // Both chips have one character; if 明 fell back to the missing glyph they would be the same
    // picture (same box, same advance, same expert colour).
    const QImage chinese = renderChip(QStringLiteral("\u660e"));
    const QImage missing = renderChip(kNoFont);
    ASSERT_EQ(chinese.size(), missing.size());
    int differing = 0;
    for (int y = 0; y < chinese.height(); ++y) {
        for (int x = 0; x < chinese.width(); ++x) differing += chinese.pixel(x, y) != missing.pixel(x, y);
    }
    EXPECT_GT(differing, 10);
    // Sanity: the same missing character twice renders identically, so the comparison can fail.
    EXPECT_EQ(renderChip(kNoFont), missing);
}

TEST(AppFonts, WindowWarnsOnceWhenNoFontCoversTheText) {
    MainWindow w;
    w.show();
    w.store()->appendText(QStringLiteral("\u660e\u6708"));
    EXPECT_EQ(w.statusBar()->currentMessage(), QString()) << "Chinese is covered by the installed CJK font";
    w.store()->appendText(kNoFont);
    const QString warning = w.statusBar()->currentMessage();
    EXPECT_TRUE(warning.contains(kNoFont)) << warning.toStdString();
    w.statusBar()->clearMessage();
    w.store()->appendText(kNoFont);
    EXPECT_EQ(w.statusBar()->currentMessage(), QString()) << "only once";
}
