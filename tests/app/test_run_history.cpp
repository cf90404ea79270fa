// The run history behind the worker thread: a generation and a what-if join the history, the
// what-if of a disabled rank-0 expert moves the next-token distribution at that token, the
// history survives the session file, hostile histories are refused with the field named, and
// the models over it pass QAbstractItemModelTester (a run compared with itself: 100 %).
#include <gtest/gtest.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QAbstractAxis>
#include <QChart>
#include <QChartView>
#include <QPointer>
#include <QSignalSpy>

#include "app/app_test_util.h"
#include "gui_private/inference_worker.h"
#include "gui_private/routing_models.h"
#include "gui_private/run_models.h"
#include "gui_private/session_file.h"
#include "gui_private/trace_store.h"
#include "widgets/compare_page.h"

using namespace moe::gui;

namespace {

#define REQUIRE_RUNNABLE_MODEL(var)                                                              \
    const std::string var = moe::test::runnableModelPath();                                     \
    if (var.empty()) GTEST_SKIP() << "no demo model and no conformance fixtures"

// A store with one greedy generation of the model at `path` and, when `disable_token` >= 0, a
// what-if that disables that token's rank-0 expert in the first MoE layer.
struct History {
    TraceStore store;
    InferenceController controller{&store};
    int disabled_expert = -1;

    bool generate(const std::string& path) {
        QSignalSpy loaded(&controller, &InferenceController::modelLoaded);
        controller.loadModel(QString::fromStdString(path));
        if (!moe::test::waitForSignals(loaded)) return false;
        QSignalSpy finished(&controller, &InferenceController::generationFinished);
        moe::GenerationRequest request;
        request.prompt = "The secret of a happy life is";
        request.max_new_tokens = 6;
        request.stop_at_eos = false;
        controller.generate(request);
        return moe::test::waitForSignals(finished);
    }
    bool whatIfDisablingRankZero(int token) {
        disabled_expert = store.topExpert(token, 0);
        moe::RoutingOverrides overrides;
        overrides.disabled = {{store.blockOfMoeLayer(0), disabled_expert}};
        store.setOverrides(overrides);
        QSignalSpy finished(&controller, &InferenceController::whatIfFinished);
        controller.runWhatIf();
        return moe::test::waitForSignals(finished) && finished.front().at(0).toString().isEmpty();
    }
};

QJsonObject sessionJson(const SessionDocument& doc) { return QJsonDocument::fromJson(serializeSession(doc)).object(); }

std::string parseError(const QJsonObject& root) {
    try {
        parseSession(QJsonDocument(root).toJson());
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(RunHistory, WhatIfOfADisabledRankZeroExpertMovesThatToken) {
    REQUIRE_RUNNABLE_MODEL(path);
    History h;
    ASSERT_TRUE(h.generate(path));
    ASSERT_EQ(h.store.runs().size(), 1u);
    EXPECT_EQ(h.store.currentRun(), 0);
    const moe::RunRecord baseline = h.store.runs()[0];  // a copy: the history grows below
    EXPECT_EQ(baseline.routing.token_count(), static_cast<size_t>(h.store.tokenCount()));
    EXPECT_EQ(baseline.tokens.size(), static_cast<size_t>(h.store.tokenCount()) + 1);  // the last is never evaluated

    const int token = 5;
    ASSERT_TRUE(h.whatIfDisablingRankZero(token));
    ASSERT_EQ(h.store.runs().size(), 2u);
    EXPECT_EQ(h.store.currentRun(), 0);  // the trace shown is still the baseline
    const moe::RunRecord& what_if = h.store.runs()[1];
    EXPECT_EQ(what_if.kind, moe::RunKind::WhatIf);
    EXPECT_EQ(what_if.baseline, 0);
    ASSERT_EQ(what_if.what_if.size(), baseline.tokens.size() - 1);
    EXPECT_GT(what_if.what_if[token].kl, 0.0);
    EXPECT_TRUE(what_if.what_if[token].routing_changed);
    EXPECT_TRUE(h.store.isDisabled(0, h.disabled_expert));
    EXPECT_FALSE(h.store.isDisabled(1, h.disabled_expert));

    moe::test::ModelTesters testers;
    moe::test::ModelTesters::clearComplaints();
    WhatIfModel model(&h.store);
    testers.attach(&model);
    EXPECT_EQ(model.run(), 1);
    ASSERT_EQ(model.rowCount(), static_cast<int>(what_if.what_if.size()));
    EXPECT_GT(model.index(token, WhatIfModel::KlColumn).data(ValueRole).toDouble(), 0.0);
    EXPECT_TRUE(model.summaryLine().contains(QStringLiteral("mean KL"))) << model.summaryLine().toStdString();
    EXPECT_TRUE(moe::test::ModelTesters::complaints().isEmpty())
        << moe::test::ModelTesters::complaints().join('\n').toStdString();
}

TEST(RunHistory, ComparingARunWithItselfShowsOneHundredPercent) {
    REQUIRE_RUNNABLE_MODEL(path);
    History h;
    ASSERT_TRUE(h.generate(path));
    ASSERT_TRUE(h.whatIfDisablingRankZero(3));
    moe::test::ModelTesters testers;
    moe::test::ModelTesters::clearComplaints();
    RunListModel runs(&h.store);
    RunComparisonModel compare(&h.store);
    testers.attach(&runs);
    testers.attach(&compare);
    EXPECT_EQ(runs.rowCount(), 2);
    // Computed off the GUI thread: the request returns at once, `computed` brings the result.
    QSignalSpy computed(&compare, &RunComparisonModel::computed);
    compare.setRuns(0, 0);
    EXPECT_TRUE(compare.isBusy());
    ASSERT_TRUE(moe::test::waitForSignals(computed));
    ASSERT_TRUE(compare.valid());
    ASSERT_EQ(compare.rowCount(), h.store.moeLayerCount());
    for (int l = 0; l < compare.rowCount(); ++l)
        for (int c = RunComparisonModel::SetColumn; c <= RunComparisonModel::JaccardColumn; ++c) {
            EXPECT_EQ(compare.index(l, c).data(ValueRole).toDouble(), 1.0);
            EXPECT_EQ(compare.index(l, c).data().toString(), QStringLiteral("100.0 %"));
        }
    const QImage self = diffImage(compare.diff());
    for (int x = 0; x < self.width(); ++x)
        for (int y = 0; y < self.height(); ++y) {
            EXPECT_NE(self.pixelColor(x, y), membershipColor(moe::analysis::Membership::AOnly));
            EXPECT_NE(self.pixelColor(x, y), membershipColor(moe::analysis::Membership::BOnly));
        }

    // Against the what-if: the disabled expert is never chosen by B in that layer.
    compare.setRuns(0, 1);
    ASSERT_TRUE(moe::test::waitForSignals(computed, 2));
    ASSERT_TRUE(compare.valid());
    EXPECT_FALSE(compare.comparison().diverged);
    const moe::analysis::LayerDiff diff = compare.diff();
    for (int t = 0; t < diff.tokens; ++t) {
        const auto m = diff.at(t, h.disabled_expert);
        EXPECT_TRUE(m == moe::analysis::Membership::AOnly || m == moe::analysis::Membership::Neither) << t;
    }
    EXPECT_EQ(diff.at(3, h.disabled_expert), moe::analysis::Membership::AOnly);
    EXPECT_LT(compare.index(0, RunComparisonModel::SetColumn).data(ValueRole).toDouble(), 1.0);
    EXPECT_TRUE(moe::test::ModelTesters::complaints().isEmpty())
        << moe::test::ModelTesters::complaints().join('\n').toStdString();
}

TEST(RunHistory, ANewerComparisonSupersedesARunningOne) {
    REQUIRE_RUNNABLE_MODEL(path);
    History h;
    ASSERT_TRUE(h.generate(path));
    ASSERT_TRUE(h.whatIfDisablingRankZero(3));
    RunComparisonModel compare(&h.store);
    QSignalSpy computed(&compare, &RunComparisonModel::computed);
    compare.setRuns(0, 1);  // baseline against what-if: below 100 % in the first MoE layer
    compare.setRuns(1, 1);  // asked before that result is in
    ASSERT_TRUE(moe::test::waitForSignals(computed));
    // The first result shown is the newer request's: the what-if against itself.
    EXPECT_EQ(compare.runA(), 1);
    ASSERT_TRUE(compare.valid());
    ASSERT_GT(compare.rowCount(), 0);
    EXPECT_EQ(compare.index(0, RunComparisonModel::SetColumn).data(ValueRole).toDouble(), 1.0);
    EXPECT_EQ(diffImage(compare.diff()).pixelColor(3, h.disabled_expert),
              membershipColor(moe::analysis::Membership::Neither));
    // A pick outside the history is answered at once, and says why.
    compare.setRuns(0, 7);
    EXPECT_EQ(computed.size(), 2);
    EXPECT_FALSE(compare.valid());
    EXPECT_EQ(compare.problem(), QStringLiteral("Pick two runs."));
}

TEST(RunHistory, RoundTripsThroughTheSessionFile) {
    REQUIRE_RUNNABLE_MODEL(path);
    History h;
    ASSERT_TRUE(h.generate(path));
    ASSERT_TRUE(h.whatIfDisablingRankZero(2));
    const SessionDocument back = parseSession(serializeSession(h.store.document()));
    ASSERT_EQ(back.runs.size(), 2u);
    EXPECT_EQ(back.current_run, 0);
    for (size_t i = 0; i < 2; ++i) {
        const moe::RunRecord& a = h.store.runs()[i];
        const moe::RunRecord& b = back.runs[i];
        EXPECT_EQ(b.kind, a.kind);
        EXPECT_EQ(b.prompt, a.prompt);
        EXPECT_EQ(b.model_path, a.model_path);
        EXPECT_EQ(b.tokens, a.tokens);
        EXPECT_EQ(b.n_prompt, a.n_prompt);
        EXPECT_EQ(b.baseline, a.baseline);
        EXPECT_EQ(b.overrides.disabled, a.overrides.disabled);
        EXPECT_EQ(b.routing.experts, a.routing.experts);
        EXPECT_EQ(b.routing.layers, a.routing.layers);
        EXPECT_EQ(b.routing.positions, a.routing.positions);
        EXPECT_EQ(b.texts, a.texts);
        ASSERT_EQ(b.what_if.size(), a.what_if.size());
        for (size_t t = 0; t < a.what_if.size(); ++t) {
            EXPECT_EQ(b.what_if[t].kl, a.what_if[t].kl);
            EXPECT_EQ(b.what_if[t].delta_logprob, a.what_if[t].delta_logprob);
            EXPECT_EQ(b.what_if[t].greedy_what_if, a.what_if[t].greedy_what_if);
            EXPECT_EQ(b.what_if[t].flops_baseline, a.what_if[t].flops_baseline);
            EXPECT_EQ(b.what_if[t].token_id, a.what_if[t].token_id);
        }
    }
}

TEST(RunHistory, HostileHistoriesNameTheField) {
    REQUIRE_RUNNABLE_MODEL(path);
    History h;
    ASSERT_TRUE(h.generate(path));
    ASSERT_TRUE(h.whatIfDisablingRankZero(2));
    const QJsonObject good = sessionJson(h.store.document());
    const auto edited = [&](const std::function<void(QJsonObject&)>& edit) {
        QJsonObject root = good;
        QJsonArray runs = root["runs"].toArray();
        QJsonObject run = runs[1].toObject();
        edit(run);
        runs[1] = run;
        root["runs"] = runs;
        return parseError(root);
    };
    EXPECT_EQ(edited([](QJsonObject& run) {
                  QJsonObject routing = run["routing"].toObject();
                  routing["experts"] = QStringLiteral("AAAA");
                  run["routing"] = routing;
              }).rfind("session file: runs[1].routing.experts holds 3 bytes", 0),
              0u);
    EXPECT_EQ(edited([](QJsonObject& run) { run["baseline"] = 1; }),
              "session file: run 2: baseline 2 is not an earlier run");
    EXPECT_EQ(edited([](QJsonObject& run) { run["kind"] = QStringLiteral("dream"); }),
              "session file: runs[1].kind is 'dream' (allowed generation, what_if)");
    EXPECT_EQ(edited([](QJsonObject& run) {
                  QJsonObject what_if = run["what_if"].toObject();
                  QJsonArray kl = what_if["kl"].toArray();
                  kl[0] = -1.0;
                  what_if["kl"] = kl;
                  run["what_if"] = what_if;
              }),
              "session file: runs[1].what_if.kl[0] is negative");
    EXPECT_EQ(edited([](QJsonObject& run) {
                  QJsonArray tokens = run["tokens"].toArray();
                  tokens[0] = 1 << 24;
                  run["tokens"] = tokens;
              }),
              "session file: runs[1].tokens[0] is 16777216 (allowed 0 to 16777215)");
    QJsonObject root = good;
    root["current_run"] = 1;  // a what-if is never the trace shown
    EXPECT_EQ(parseError(root), "session file: current_run is 1 (allowed -1 or the index of a generation in runs)");
    root.remove("runs");
    root.remove("current_run");
    EXPECT_EQ(parseError(root), "");  // files from before the history open with none
}

// Each comparison shown rebuilds the agreement chart; QChart::removeAxis gives the old axes back to the
// caller, who must delete them (LeakSanitizer found them leaked on every refresh).
TEST(RunHistory, TheAgreementChartDeletesTheAxesItReplaces) {
    TraceStore store;
    ComparePage page(&store);
    QChart* chart = page.agreementChart()->chart();
    ASSERT_EQ(chart->axes().size(), 2);
    const QPointer<QAbstractAxis> first_x = chart->axes(Qt::Horizontal).value(0);
    const QPointer<QAbstractAxis> first_y = chart->axes(Qt::Vertical).value(0);
    page.setRuns(0, 0);  // no runs in the store: answered at once, without the pool
    EXPECT_TRUE(first_x.isNull());
    EXPECT_TRUE(first_y.isNull());
    EXPECT_EQ(chart->axes().size(), 2);
}
