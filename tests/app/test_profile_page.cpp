// The Profile tab: its models against numbers worked out by hand on a 4-token corpus and against
// core/analysis, profiling the bundled corpus on the demo model (the README's worked example),
// Cancel (returns at once and keeps the previous profile), the session round trip with a profile
// and a run history (reopened without the model), refused profiles, the exports, and the
// background analyses running below the GUI thread's priority.
#include <gtest/gtest.h>

#include <cerrno>
#include <cmath>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QtConcurrent/QtConcurrentRun>

#include "analysis/expert_map.h"
#include "analysis/routing_analysis.h"
#include "app/app_test_util.h"
#include "engine/demo_model.h"
#include "gui_private/analysis_pool.h"
#include "gui_private/profile_models.h"
#include "gui_private/session_file.h"
#include "gui_private/trace_store.h"
#include "widgets/expert_map_view.h"
#include "widgets/main_window.h"
#include "widgets/profile_page.h"
#include "widgets/view_panel.h"

using namespace moe::gui;

namespace {

// Four tokens, two windows; domains a a b b; MoE blocks 0 and 1, top-2 of 4 experts:
//   layer 0 sets {0,1} {0,2} {3,2} {3,1}; layer 1 sets {1,2} {2,1} {1,3} {3,0}.
std::shared_ptr<const moe::analysis::RoutingTable> handProfile() {
    auto t = std::make_shared<moe::analysis::RoutingTable>();
    t->n_expert = 4;
    t->max_k = 2;
    t->layers = {0, 1};
    t->token_ids = {10, 11, 10, 12};
    t->positions = {0, 1, 0, 1};
    t->sequences = {0, 0, 1, 1};
    t->texts = {"x", "y", "x", "z"};
    t->domains = {0, 0, 1, 1};
    t->domain_names = {"a", "b"};
    t->experts = {0, 1, 1, 2,  0, 2, 2, 1,  3, 2, 1, 3,  3, 1, 3, 0};
    return t;
}

moe::ModelInfo handModel() {
    moe::ModelInfo m;
    m.name = "hand";
    m.n_layer = 2;
    m.n_expert = 4;
    m.n_expert_used = 2;
    m.moe_layers = {0, 1};
    return m;
}

bool waitForProfile(ProfileRunner& runner, const std::shared_ptr<const moe::analysis::RoutingTable>& table) {
    QSignalSpy spy(&runner, &AnalysisSource::updated);
    for (int i = 0; i < 100 && !(runner.profile() && runner.profile()->table == table); ++i)
        moe::test::waitForSignals(spy, spy.count() + 1, 600);
    return runner.profile() && runner.profile()->table == table;
}

double value(const QAbstractItemModel& m, int row, int column) { return m.data(m.index(row, column), ValueRole).toDouble(); }

}  // namespace

TEST(ProfilePage, ModelsShowTheHandWorkedNumbers) {
    TraceStore store;
    ProfileRunner runner(&store);
    DomainShareModel shares(&runner, &store);
    ProfileLayersModel layers(&runner, &store);
    ExpertMapModel map(&runner, &store);
    moe::test::ModelTesters testers;
    moe::test::ModelTesters::clearComplaints();
    for (QAbstractItemModel* m : std::initializer_list<QAbstractItemModel*>{&shares, &layers, &map}) testers.attach(m);
    SessionDocument doc;
    doc.model = handModel();
    doc.profile = handProfile();
    store.setDocument(doc);
    ASSERT_TRUE(waitForProfile(runner, doc.profile));

    // Layer 0: domain a's sets {0,1} {0,2}: E0 in both, E1 and E2 in one, E3 in none.
    ASSERT_EQ(shares.rowCount(), 2);
    ASSERT_EQ(shares.columnCount(), 4);
    EXPECT_EQ(shares.headerData(0, Qt::Vertical, Qt::DisplayRole).toString(), QStringLiteral("a"));
    EXPECT_DOUBLE_EQ(value(shares, 0, 0), 1.0);
    EXPECT_DOUBLE_EQ(value(shares, 0, 1), 0.5);
    EXPECT_DOUBLE_EQ(value(shares, 0, 3), 0.0);
    EXPECT_DOUBLE_EQ(value(shares, 1, 3), 1.0);  // b: {3,2} {3,1}
    EXPECT_DOUBLE_EQ(shares.baseline(), 0.5);    // k/N = 2/4
    EXPECT_EQ(shares.index(1, 3).data(ExpertCellRole).toPoint(), QPoint(0, 3));

    // Rank-0 experts: layer 0 a→0,0 b→3,3: the domain is known from the expert, I = 1 bit.
    // Layer 1 a→1,2 b→1,3: H(D) = 1, H(E) = 1.5, H(D,E) = 2, so I = 0.5 bits.
    ASSERT_EQ(layers.rowCount(), 2);
    ASSERT_EQ(layers.columnCount(), ProfileLayersModel::FirstDomainColumn + 2);
    EXPECT_NEAR(value(layers, 0, ProfileLayersModel::MutualInformationColumn), 1.0, 1e-12);
    EXPECT_NEAR(value(layers, 1, ProfileLayersModel::MutualInformationColumn), 0.5, 1e-12);
    EXPECT_EQ(value(layers, 0, ProfileLayersModel::TokensColumn), 4);
    const auto cell = [&](int row, int domain) { return layers.index(row, ProfileLayersModel::FirstDomainColumn + domain); };
    EXPECT_EQ(cell(0, 0).data().toString(), QStringLiteral("E0 · 100.0%"));
    EXPECT_EQ(cell(0, 1).data(ExpertCellRole).toPoint(), QPoint(0, 3));  // (MoE layer, expert)
    // Layer 1, a: {1,2} {2,1}: E1 and E2 both 100 %, the tie goes to the lower id.
    EXPECT_EQ(cell(1, 0).data(ExpertCellRole).toPoint(), QPoint(1, 1));

    // The expert map is core's, point for point.
    const moe::analysis::ExpertMap core = moe::analysis::expert_map(*doc.profile, 0);
    ASSERT_EQ(map.rowCount(), 4);
    for (int e = 0; e < 4; ++e) {
        EXPECT_DOUBLE_EQ(value(map, e, ExpertMapModel::XColumn), core.points[static_cast<size_t>(e)].x) << e;
        EXPECT_DOUBLE_EQ(value(map, e, ExpertMapModel::YColumn), core.points[static_cast<size_t>(e)].y) << e;
        EXPECT_EQ(value(map, e, ExpertMapModel::LoadColumn), core.points[static_cast<size_t>(e)].load) << e;
    }
    EXPECT_EQ(value(map, 0, ExpertMapModel::LoadColumn), 2);  // E0 in tokens 0 and 1
    EXPECT_EQ(map.index(0, ExpertMapModel::DomainColumn).data().toString(), QStringLiteral("a"));
    EXPECT_EQ(map.index(3, ExpertMapModel::DomainColumn).data().toString(), QStringLiteral("b"));

    store.selectLayer(1);
    EXPECT_DOUBLE_EQ(value(shares, 0, 1), 1.0);  // a in layer 1: E1 in both
    EXPECT_EQ(map.rowCount(), 4);
    EXPECT_TRUE(moe::test::ModelTesters::complaints().isEmpty()) << moe::test::ModelTesters::complaints().join('\n').toStdString();
}

TEST(ProfilePage, SessionKeepsTheProfileAndRefusesABrokenOne) {
    SessionDocument doc;
    doc.model = handModel();
    doc.profile = handProfile();
    const SessionDocument back = parseSession(serializeSession(doc));
    ASSERT_TRUE(back.profile);
    const auto& a = *doc.profile;
    const auto& b = *back.profile;
    EXPECT_EQ(b.n_expert, a.n_expert);
    EXPECT_EQ(b.max_k, a.max_k);
    EXPECT_EQ(b.layers, a.layers);
    EXPECT_EQ(b.token_ids, a.token_ids);
    EXPECT_EQ(b.positions, a.positions);
    EXPECT_EQ(b.sequences, a.sequences);
    EXPECT_EQ(b.texts, a.texts);
    EXPECT_EQ(b.domains, a.domains);
    EXPECT_EQ(b.domain_names, a.domain_names);
    EXPECT_EQ(b.experts, a.experts);

    QJsonObject root = QJsonDocument::fromJson(serializeSession(doc)).object();
    QJsonObject profile = root[QStringLiteral("profile")].toObject();
    profile[QStringLiteral("experts")] = QStringLiteral("AAAA");  // 2 ids, not 16
    root[QStringLiteral("profile")] = profile;
    try {
        parseSession(QJsonDocument(root).toJson());
        FAIL() << "a profile with 2 expert ids was accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("profile.experts"), std::string::npos) << e.what();
    }
    profile = QJsonDocument::fromJson(serializeSession(doc)).object()[QStringLiteral("profile")].toObject();
    profile[QStringLiteral("n_expert")] = 8;  // not the model's
    root[QStringLiteral("profile")] = profile;
    EXPECT_THROW(parseSession(QJsonDocument(root).toJson()), std::runtime_error);
}

TEST(ProfilePage, BundledCorpusOnTheDemoModelCancelAndSessionRoundTrip) {
    const QString model = QString::fromStdString(moe::demo_model_path());
    if (!QFile::exists(model)) GTEST_SKIP() << "no demo model";
    QTemporaryDir dir;
    MainWindow w;
    w.resize(1400, 900);
    w.show();
    moe::test::ModelTesters testers;
    moe::test::ModelTesters::clearComplaints();
    ProfilePage* page = w.profilePage();
    for (QAbstractItemModel* m : std::initializer_list<QAbstractItemModel*>{
             page->domainShareModel(), page->layersModel(), page->expertMapModel(), page->expertLayersModel(),
             page->expertTokensModel()})
        testers.attach(m);
    QSignalSpy loaded(w.controller(), &InferenceController::modelLoaded);
    w.openModel(model);
    ASSERT_TRUE(moe::test::waitForSignals(loaded));

    QSignalSpy progress(w.controller(), &InferenceController::profileProgress);
    QSignalSpy finished(w.controller(), &InferenceController::profileFinished);
    page->startProfile(bundledProfileRequest());
    ASSERT_TRUE(moe::test::waitForSignals(finished));
    EXPECT_EQ(finished.front().at(0).toString(), QString());
    ASSERT_GT(progress.count(), 0);
    EXPECT_EQ(progress.back().at(0).toLongLong(), 8427);  // the README: 8427 tokens in 89 windows
    const auto profile = w.store()->document().profile;
    ASSERT_TRUE(profile);
    ASSERT_TRUE(waitForProfile(*page->runner(), profile));
    EXPECT_EQ(page->runner()->profile()->report.sequences, 89);

    // The README's worked example, layer 3: math → E15 at 45 %, I = 0.89 bits; and the page's
    // numbers are core's for the same table.
    const moe::analysis::AnalysisReport core = moe::analysis::analyze_table(*profile);
    ProfileLayersModel* layers = page->layersModel();
    const int layer3 = 2;  // MoE layers are blocks 1..4
    ASSERT_EQ(value(*layers, layer3, ProfileLayersModel::LayerColumn), 3);
    int math = -1;
    for (int c = ProfileLayersModel::FirstDomainColumn; c < layers->columnCount(); ++c)
        if (layers->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString() == QLatin1String("math")) math = c;
    ASSERT_GE(math, 0);
    EXPECT_EQ(layers->index(layer3, math).data(ExpertCellRole).toPoint(), QPoint(layer3, 15));
    const QString math_cell = layers->index(layer3, math).data().toString();  // "E15 · 44.6%"
    ASSERT_TRUE(math_cell.startsWith(QStringLiteral("E15 · "))) << math_cell.toStdString();
    EXPECT_EQ(std::lround(math_cell.mid(6).chopped(1).toDouble()), 45) << math_cell.toStdString();
    EXPECT_NEAR(value(*layers, layer3, ProfileLayersModel::MutualInformationColumn), 0.89, 0.005);
    for (int l = 0; l < layers->rowCount(); ++l)
        EXPECT_DOUBLE_EQ(value(*layers, l, ProfileLayersModel::MutualInformationColumn), core.layers[static_cast<size_t>(l)].domain_mi_bits);
    w.store()->selectLayer(layer3);
    DomainShareModel* shares = page->domainShareModel();
    for (int d = 0; d < shares->rowCount(); ++d) {
        const auto& share = core.layers[layer3].domains.at(shares->headerData(d, Qt::Vertical, Qt::DisplayRole).toString().toStdString()).share;
        for (int e = 0; e < shares->columnCount(); ++e) EXPECT_DOUBLE_EQ(value(*shares, d, e), share[static_cast<size_t>(e)]);
    }
    // A click on the map's point of E15 opens it in the inspector.
    ExpertMapView* map = page->expertMapView();
    w.showTab(QStringLiteral("profile"));
    QSignalSpy clicked(map, &ExpertMapView::expertClicked);
    QTest::mouseClick(map, Qt::LeftButton, {}, map->pointOf(15).toPoint());
    ASSERT_EQ(clicked.count(), 1);
    EXPECT_EQ(w.store()->selectedExpert(), 15);
    EXPECT_EQ(value(*page->expertLayersModel(), layer3, ExpertLayersModel::LoadColumn), core.layers[layer3].load(15));

    // Every new view exports as PNG and SVG, every new table as CSV.
    for (ViewPanel* panel : page->panels()) {
        for (const char* suffix : {".png", ".svg"}) {
            const QString file = dir.filePath(panel->objectName() + QString::fromLatin1(suffix));
            EXPECT_EQ(panel->exportTo(file), QString()) << panel->objectName().toStdString();
            EXPECT_GT(QFileInfo(file).size(), 500) << file.toStdString();
        }
    }
    for (const char* table : {"Specialisation per layer", "Expert map", "Expert in every layer (profile)", "Expert's top tokens (profile)"}) {
        const QString csv = dir.filePath(QStringLiteral("t.csv"));
        ASSERT_EQ(page->exportCsv(QString::fromUtf8(table), csv), QString()) << table;
        QFile f(csv);
        ASSERT_TRUE(f.open(QIODevice::ReadOnly));
        EXPECT_GT(f.readAll().count('\n'), 4) << table;
    }

    // Cancel: the worker answers within 100 ms (one layer's compute) and the profile stays.
    progress.clear();
    finished.clear();
    page->startProfile(bundledProfileRequest());
    ASSERT_TRUE(moe::test::waitForSignals(progress));
    QElapsedTimer wait;
    wait.start();
    page->cancelProfile();
    ASSERT_TRUE(moe::test::waitForSignals(finished, 1, 100)) << "no answer to Cancel after " << wait.elapsed() << " ms";
    EXPECT_TRUE(finished.front().at(1).toBool());
    EXPECT_EQ(w.store()->document().profile, profile);
    EXPECT_EQ(page->runner()->profile()->table, profile);
    EXPECT_TRUE(page->statusText().contains(QStringLiteral("cancelled"))) << page->statusText().toStdString();

    // A run joins the history; the session keeps both and reopens without the model.
    QSignalSpy generated(w.controller(), &InferenceController::generationFinished);
    w.setPrompt(QStringLiteral("17+25="));
    w.setMaxTokens(4);
    w.run();
    ASSERT_TRUE(moe::test::waitForSignals(generated));
    EXPECT_EQ(w.store()->document().profile, profile);  // a new run keeps the profile
    ASSERT_EQ(w.store()->runs().size(), 1u);
    const QString session = dir.filePath(QStringLiteral("s.moescope.json"));
    ASSERT_EQ(w.saveSessionFile(session), QString());

    MainWindow reopened;
    reopened.show();
    ASSERT_TRUE(reopened.openSessionFile(session)) << reopened.messageText().toStdString();
    const auto back = reopened.store()->document().profile;
    ASSERT_TRUE(back);
    EXPECT_EQ(back->experts, profile->experts);
    EXPECT_EQ(back->domains, profile->domains);
    EXPECT_EQ(reopened.store()->runs().size(), 1u);
    EXPECT_EQ(reopened.store()->runs()[0].tokens, w.store()->runs()[0].tokens);
    ASSERT_TRUE(waitForProfile(*reopened.profilePage()->runner(), back));
    ProfileLayersModel* again = reopened.profilePage()->layersModel();
    ASSERT_EQ(again->rowCount(), layers->rowCount());
    for (int l = 0; l < again->rowCount(); ++l)
        for (int c = 0; c < again->columnCount(); ++c)
            EXPECT_EQ(again->index(l, c).data(), layers->index(l, c).data()) << l << "," << c;
    EXPECT_TRUE(moe::test::ModelTesters::complaints().isEmpty()) << moe::test::ModelTesters::complaints().join('\n').toStdString();
}

TEST(AnalysisPool, JobsRunBelowTheGuiThreadsPriority) {
    errno = 0;
    const int gui_nice = getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
    const int job_nice = QtConcurrent::run(analysisPool(), [] {
                             lowerThisThreadPriority();
                             return getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
                         }).result();
    EXPECT_EQ(job_nice, std::min(19, gui_nice + 10));
}
