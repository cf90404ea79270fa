// The 简体中文 interface: the translation is complete, no English is left in the window under
// zh_CN (model names and numbers aside), and switching at run time retranslates without a restart.
#include <gtest/gtest.h>

#include <QAbstractButton>
#include <QChart>
#include <QCoreApplication>
#include <QChartView>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QFile>
#include <QLabel>
#include <QLegendMarker>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QTabBar>
#include <QTextBrowser>
#include <QValueAxis>
#include <QXmlStreamReader>

#include "app/app_test_util.h"
#include "gui_private/routing_models.h"
#include "gui_private/synthetic_trace.h"
#include "gui_private/trace_store.h"
#include "widgets/language.h"
#include "widgets/main_window.h"
#include "widgets/model_card.h"
#include "widgets/routing_guide.h"
#include "widgets/view_panel.h"

using namespace moe::gui;

namespace {

// Switches to a language for one test and back to English after it.
struct LanguageScope {
    explicit LanguageScope(const QString& language) {
        applyLanguage(language);
        QCoreApplication::processEvents();  // LanguageChange is posted
    }
    ~LanguageScope() {
        applyLanguage(QStringLiteral("en"));
        QCoreApplication::processEvents();
    }
};

// 12 tokens of a model with 2 of 8 experts per token and 250 K of 1 M parameters active.
void fill(MainWindow& w) { moe::test::showSyntheticRun(w, moe::test::smallShape(4, 8, 2, 4), 12, 1000000, 250000); }

// Every user-visible text of the window: widgets, menus, docks, tabs, chart axes and legends.
QStringList visibleTexts(MainWindow& w) {
    QStringList texts;
    for (QLabel* label : w.findChildren<QLabel*>()) {
        if (label->isVisible()) texts << label->text() << label->toolTip();
    }
    for (QAbstractButton* button : w.findChildren<QAbstractButton*>()) {
        if (button->isVisible()) texts << button->text() << button->toolTip();
    }
    for (QAction* menu : w.menuBar()->actions()) {
        texts << menu->text();
        for (QAction* a : menu->menu()->actions()) texts << a->text() << a->toolTip();
    }
    for (QDockWidget* dock : w.findChildren<QDockWidget*>()) texts << dock->windowTitle();
    for (QTabBar* bar : w.findChildren<QTabBar*>()) {
        for (int i = 0; i < bar->count(); ++i) texts << bar->tabText(i);
    }
    for (QChartView* view : w.findChildren<QChartView*>()) {
        for (QAbstractAxis* axis : view->chart()->axes()) texts << axis->titleText();
        for (QLegendMarker* marker : view->chart()->legend()->markers()) texts << marker->label();
    }
    for (ViewPanel* panel : w.panels()) texts << panel->title() << panel->subtitle();
    return texts;
}

// Words of three or more Latin letters that are not names, units or acronyms kept in Chinese UIs.
QStringList englishWords(const QString& text, const QStringList& allowed) {
    QStringList words;
    QString plain = text;
    plain.remove(QRegularExpression(QStringLiteral("<[^>]*>")));  // rich-text tags
    for (const QString& name : allowed) plain.remove(name);
    static const QRegularExpression word(QStringLiteral("[A-Za-z]{3,}"));
    static const QStringList kept = {"MoE", "MoEScope", "FLOP", "FLOPs", "GFLOP", "GGUF", "CSV", "NPZ", "PNG", "SVG", "MLA", "MHA",
                                     "GQA", "FFN", "KiB", "MiB", "GiB", "Ctrl", "Enter", "Esc", "Alt", "Top", "top"};
    for (auto it = word.globalMatch(plain); it.hasNext();) {
        const QString w = it.next().captured();
        if (!kept.contains(w)) words << w;
    }
    return words;
}

}  // namespace

TEST(AppLanguage, TranslationFileHasNoUnfinishedMessages) {
    QFile ts(QStringLiteral(MOESCOPE_SOURCE_DIR "/resources/translations/moescope_zh_CN.ts"));
    ASSERT_TRUE(ts.open(QIODevice::ReadOnly));
    QXmlStreamReader xml(&ts);
    int messages = 0;
    QStringList unfinished;
    QString source;
    while (!xml.atEnd()) {
        xml.readNext();
        if (!xml.isStartElement()) continue;
        if (xml.name() == QLatin1String("source")) source = xml.readElementText();
        if (xml.name() == QLatin1String("translation")) {
            ++messages;
            const bool open = xml.attributes().value(QLatin1String("type")) == QLatin1String("unfinished");
            if (open || xml.readElementText().isEmpty()) unfinished << source;
        }
    }
    ASSERT_FALSE(xml.hasError()) << xml.errorString().toStdString();
    EXPECT_GT(messages, 200);
    EXPECT_TRUE(unfinished.isEmpty()) << unfinished.join(" | ").toStdString();
}

TEST(AppLanguage, ChineseLocaleResolvesToTheSimplifiedTranslation) {
    EXPECT_EQ(resolveLanguage("zh_CN"), "zh_CN");
    EXPECT_EQ(resolveLanguage("zh-Hans-CN"), "zh_CN");
    EXPECT_EQ(resolveLanguage("en_US"), "en");
    EXPECT_EQ(resolveLanguage("de_DE"), "en");
}

TEST(AppLanguage, NoEnglishIsLeftUnderChinese) {
    LanguageScope chinese(QStringLiteral("zh_CN"));
    ASSERT_EQ(currentLanguage(), "zh_CN");
    MainWindow w;
    w.resize(1400, 900);
    w.show();
    fill(w);
    const auto& info = w.store()->modelInfo();
    // Model-provided names and the demo prompt stay as they are.
    QStringList allowed = {QString::fromStdString(info.name), QString::fromStdString(info.architecture),
                                 QString::fromStdString(info.gating), QString::fromStdString(info.attention),
                                 QString::fromStdString(info.tokenizer), w.promptEditor()->toPlainText(), "English"};
    allowed += {"llama.cpp", "moescope-cli", "--exact"};  // programs and options are typed as they are
    QStringList token_texts;  // what the model produced
    for (const auto& t : w.store()->tokens()) token_texts << TokenListModel::displayText(t.text);
    allowed += token_texts;
    for (int tab = 0; tab < 5; ++tab) {
        w.showTab(QStringList{"routing", "timing", "compute", "tokens", "analysis"}[tab]);
        QStringList leftovers;
        for (const QString& text : visibleTexts(w)) {
            const QStringList words = englishWords(text, allowed);
            if (!words.isEmpty()) leftovers << text + " [" + words.join(",") + "]";
        }
        leftovers.removeDuplicates();
        EXPECT_TRUE(leftovers.isEmpty()) << "tab " << tab << ": " << leftovers.join("\n").toStdString();
    }
}

TEST(AppLanguage, SwitchingAtRunTimeRetranslates) {
    MainWindow w;
    w.show();
    fill(w);
    ViewPanel* load = w.showPanel(QStringLiteral("Expert load"));
    ASSERT_NE(load, nullptr);
    EXPECT_EQ(load->title(), "Expert load");
    {
        LanguageScope chinese(QStringLiteral("zh_CN"));
        EXPECT_EQ(load->title(), QStringLiteral("专家负载"));
        EXPECT_EQ(w.menuBar()->actions().first()->text(), QStringLiteral("文件(&F)"));
        EXPECT_EQ(w.modelCard()->fieldText(QStringLiteral("门控")), QString::fromStdString(w.store()->modelInfo().gating));
        // The English title still finds the view (command line, guide links).
        EXPECT_EQ(w.showPanel(QStringLiteral("Expert load")), load);
    }
    EXPECT_EQ(load->title(), "Expert load");
    EXPECT_EQ(w.menuBar()->actions().first()->text(), "&File");
}

TEST(AppLanguage, QtsOwnButtonsAndDialogsFollowTheLanguage) {
    QDialogButtonBox english(QDialogButtonBox::Open | QDialogButtonBox::Cancel);
    EXPECT_EQ(english.button(QDialogButtonBox::Cancel)->text(), "Cancel");
    LanguageScope chinese(QStringLiteral("zh_CN"));
    QDialogButtonBox buttons(QDialogButtonBox::Open | QDialogButtonBox::Cancel);
    EXPECT_EQ(buttons.button(QDialogButtonBox::Cancel)->text(), QStringLiteral("取消"));
    EXPECT_EQ(buttons.button(QDialogButtonBox::Open)->text(), QStringLiteral("打开"));
}

TEST(AppLanguage, GuideLinksShowTheirView) {
    MainWindow w;
    w.show();
    fill(w);
    RoutingGuide* guide = w.openGuide();
    ASSERT_NE(guide, nullptr);
    // The loaded model's own numbers: 2 of 8 routed experts.
    // The loaded model's own numbers: 2 of 8 routed experts, 250 K of 1 M parameters active.
    EXPECT_TRUE(guide->html().contains("2 of 8 routed experts")) << guide->html().toStdString();
    EXPECT_TRUE(guide->html().contains("250.00 K of the 1.00 M parameters")) << guide->html().toStdString();
    EXPECT_TRUE(guide->html().contains("25.0%")) << guide->html().toStdString();
    w.showTab(QStringLiteral("timing"));
    Q_EMIT guide->viewRequested(QStringLiteral("Expert load"));
    ViewPanel* load = w.showPanel(QStringLiteral("Expert load"));
    EXPECT_TRUE(load->isVisible()) << "the routing tab is in front again";
    // Every paragraph's link names a real view.
    static const QRegularExpression link(QStringLiteral("href=\"view:([^\"]+)\""));
    int links = 0;
    for (auto it = link.globalMatch(guide->html()); it.hasNext(); ++links) {
        const QString title = QUrl::fromPercentEncoding(it.next().captured(1).toUtf8());
        EXPECT_NE(w.showPanel(title), nullptr) << title.toStdString();
    }
    EXPECT_GE(links, 16);
}
