// The item models over a synthetic trace: shapes, values against the trace, streaming appends,
// selection, and QAbstractItemModelTester on every one of them.
#include <gtest/gtest.h>

#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSignalSpy>

#include <cmath>

#include "app/app_test_util.h"
#include "gui_private/heatmap_image.h"
#include "gui_private/routing_models.h"
#include "gui_private/synthetic_trace.h"
#include "gui_private/timing_models.h"
#include "gui_private/trace_store.h"
#include "widgets/model_charts.h"

using namespace moe::gui;

namespace {

struct Fixture {
    SyntheticShape shape;
    TraceStore store;
    TokenListModel tokens{&store};
    TokenExpertModel token_expert{&store};
    LayerExpertModel layer_expert{&store};
    ExpertLoadModel load{&store};
    LatencyModel latency{&store};
    LayerTimeModel layer_time{&store};
    SavingsModel savings{&store};
    moe::test::ModelTesters testers;

    explicit Fixture(SyntheticShape s = small()) : shape(s) {
        moe::test::ModelTesters::clearComplaints();
        for (QAbstractItemModel* m : std::initializer_list<QAbstractItemModel*>{
                 &tokens, &token_expert, &layer_expert, &load, &latency, &layer_time, &savings}) {
            testers.attach(m);
        }
        store.resetModel(syntheticModelInfo(shape));
    }
    static SyntheticShape small() {
        SyntheticShape s;
        s.n_layer = 4;
        s.n_leading_dense = 1;
        s.n_expert = 8;
        s.n_expert_used = 2;
        s.n_expert_shared = 1;
        s.prompt_tokens = 5;
        return s;
    }
    void stream(int total, int batch) {
        for (int first = 0; first < total; first += batch) {
            store.appendTokens(syntheticTokens(shape, first, std::min(batch, total - first)));
        }
    }
};

double value(const QAbstractItemModel& m, int row, int column) {
    return m.data(m.index(row, column), ValueRole).toDouble();
}

}  // namespace

TEST(AppModels, ShapesFollowTheStreamAndTesterIsQuiet) {
    Fixture f;
    EXPECT_EQ(f.layer_expert.rowCount(), 0) << "no token, no rows (the view says so)";
    EXPECT_EQ(f.load.rowCount(), 0);
    QSignalSpy inserted(&f.token_expert, &QAbstractItemModel::rowsInserted);
    f.stream(23, 4);
    EXPECT_EQ(inserted.count(), 6);
    EXPECT_EQ(f.tokens.rowCount(), 23);
    EXPECT_EQ(f.token_expert.rowCount(), 23);
    EXPECT_EQ(f.token_expert.columnCount(), 8 + 1);  // routed + shared
    EXPECT_EQ(f.layer_expert.rowCount(), 3);         // MoE layers only
    EXPECT_EQ(f.load.rowCount(), 3);
    EXPECT_EQ(f.load.columnCount(), 8);
    EXPECT_EQ(f.latency.rowCount(), 23);
    EXPECT_EQ(f.layer_time.rowCount(), 4);  // every block
    EXPECT_EQ(f.savings.rowCount(), 23);
    f.store.selectLayer(2);
    f.store.selectToken(7);
    f.token_expert.setValueKind(RoutingValue::Weight);
    f.load.setMeasure(ExpertLoadModel::Measure::Share);
    f.store.beginRun(f.store.modelInfo(), {});
    EXPECT_EQ(f.tokens.rowCount(), 0);
    EXPECT_TRUE(moe::test::ModelTesters::complaints().isEmpty()) << f.tokens.rowCount()
        << moe::test::ModelTesters::complaints().join('\n').toStdString();
}

TEST(AppModels, RoutingValuesMatchTheTrace) {
    Fixture f;
    f.stream(12, 5);
    const auto trace = syntheticTokens(f.shape, 0, 12);
    f.store.selectLayer(1);
    for (int t = 0; t < 12; ++t) {
        const auto& r = trace[static_cast<size_t>(t)].moe_layers[1];
        for (int e = 0; e < 8; ++e) {
            EXPECT_EQ(value(f.token_expert, t, e), static_cast<double>(r.probs[static_cast<size_t>(e)]));
            const bool chosen = std::find(r.experts.begin(), r.experts.end(), e) != r.experts.end();
            EXPECT_EQ(f.token_expert.data(f.token_expert.index(t, e), ChosenRole).toBool(), chosen);
        }
        EXPECT_EQ(value(f.token_expert, t, 8), 1.0);  // shared expert: always on
        EXPECT_EQ(f.tokens.data(f.tokens.index(t, 0), TopExpertRole).toInt(), r.experts[0]);
    }
    f.token_expert.setValueKind(RoutingValue::Weight);
    const auto& r = trace[3].moe_layers[1];
    EXPECT_EQ(value(f.token_expert, 3, r.experts[1]), static_cast<double>(r.weights[1]));
    int unchosen = 0;
    while (std::find(r.experts.begin(), r.experts.end(), unchosen) != r.experts.end()) ++unchosen;
    EXPECT_EQ(value(f.token_expert, 3, unchosen), 0.0);
}

TEST(AppModels, LayerExpertFollowsTheSelectedToken) {
    Fixture f;
    f.stream(10, 10);
    const auto trace = syntheticTokens(f.shape, 0, 10);
    EXPECT_EQ(f.store.selectedToken(), 9);  // following the newest
    EXPECT_EQ(value(f.layer_expert, 2, 5), static_cast<double>(trace[9].moe_layers[2].probs[5]));
    QSignalSpy changed(&f.layer_expert, &QAbstractItemModel::dataChanged);
    f.store.selectToken(4);
    EXPECT_GE(changed.count(), 1);
    for (int l = 0; l < 3; ++l) {
        for (int e = 0; e < 8; ++e) {
            EXPECT_EQ(value(f.layer_expert, l, e), static_cast<double>(trace[4].moe_layers[static_cast<size_t>(l)].probs[static_cast<size_t>(e)]));
        }
    }
    // A pinned token stays selected while more tokens arrive.
    f.store.appendTokens(syntheticTokens(f.shape, 10, 3));
    EXPECT_EQ(f.store.selectedToken(), 4);
    f.store.selectToken(-1);
    EXPECT_EQ(f.store.selectedToken(), 12);
}

TEST(AppModels, ExpertLoadCountsEveryChoice) {
    Fixture f;
    f.stream(30, 7);
    const auto trace = syntheticTokens(f.shape, 0, 30);
    std::vector<int> expected(3 * 8, 0);
    for (const auto& t : trace)
        for (size_t l = 0; l < t.moe_layers.size(); ++l)
            for (int e : t.moe_layers[l].experts) ++expected[l * 8 + static_cast<size_t>(e)];
    int total = 0;
    for (int l = 0; l < 3; ++l) {
        for (int e = 0; e < 8; ++e) {
            EXPECT_EQ(value(f.load, l, e), expected[static_cast<size_t>(l * 8 + e)]);
            total += expected[static_cast<size_t>(l * 8 + e)];
        }
    }
    EXPECT_EQ(total, 30 * 3 * 2);
    f.load.setMeasure(ExpertLoadModel::Measure::Share);
    EXPECT_DOUBLE_EQ(value(f.load, 0, 3), expected[3] / 30.0);
}

TEST(AppModels, TimingAndSavings) {
    Fixture f;
    f.stream(9, 4);  // 5 prompt tokens (2 ms each), 4 decode tokens (20 + i % 7 ms)
    EXPECT_EQ(f.latency.data(f.latency.index(0, LatencyModel::KindColumn), Qt::DisplayRole).toString(), "prefill");
    EXPECT_EQ(f.latency.data(f.latency.index(6, LatencyModel::KindColumn), Qt::DisplayRole).toString(), "decode");
    EXPECT_EQ(value(f.latency, 6, LatencyModel::TotalMsColumn), 26.0);
    // Block 0 of decode tokens 5..8: (25, 26, 20, 21) / 4 layers = 6.25, 6.5, 5, 5.25 ms.
    // Sorted 5, 5.25, 6.25, 6.5: median (5.25 + 6.25) / 2; quartiles at ranks 0.75 and 2.25.
    EXPECT_DOUBLE_EQ(value(f.layer_time, 0, LayerTimeModel::MedianDecodeMsColumn), 5.75);
    EXPECT_DOUBLE_EQ(value(f.layer_time, 0, LayerTimeModel::DecodeP25MsColumn), 5.0 + 0.75 * 0.25);
    EXPECT_DOUBLE_EQ(value(f.layer_time, 0, LayerTimeModel::DecodeP75MsColumn), 6.25 + 0.25 * 0.25);
    EXPECT_DOUBLE_EQ(value(f.layer_time, 0, LayerTimeModel::MedianPrefillMsColumn), 2.0 / 4.0);
    EXPECT_DOUBLE_EQ(value(f.layer_time, 1, LayerTimeModel::SelectedMsColumn), 21.0 / 4.0);  // newest token
    EXPECT_DOUBLE_EQ(value(f.savings, 8, SavingsModel::CumFlopsUsedColumn), 9 * 0.3e9);
    EXPECT_DOUBLE_EQ(value(f.savings, 8, SavingsModel::CumBytesDenseColumn), 9 * 4.0e9);
    EXPECT_DOUBLE_EQ(value(f.savings, 2, SavingsModel::FlopsPercentColumn), 15.0);
    const auto info = syntheticModelInfo(f.shape);
    EXPECT_DOUBLE_EQ(value(f.savings, 3, SavingsModel::KvBytesColumn), 4.0 * static_cast<double>(info.kv_bytes_per_token));
    EXPECT_DOUBLE_EQ(value(f.savings, 3, SavingsModel::KvBytesFullColumn), 4.0 * static_cast<double>(info.kv_bytes_per_token_mha));
}

// The whisker on layer 0's decode bar runs from its 25th to its 75th percentile (values above).
TEST(AppModels, LayerTimeChartDrawsTheDecodeSpread) {
    Fixture f;
    f.stream(9, 4);
    LayerTimeChart chart;
    chart.setModel(&f.layer_time);
    chart.resize(600, 400);
    chart.show();
    QElapsedTimer timer;
    timer.start();
    auto* series = qobject_cast<QBarSeries*>(chart.chart()->series().value(0));
    ASSERT_NE(series, nullptr);
    while (series->barSets().value(2)->count() < 4 && timer.elapsed() < 5000) QCoreApplication::processEvents();
    QCoreApplication::processEvents();
    const QImage image = chart.grab().toImage();
    const double x = -series->barWidth() / 2 + 2.5 * series->barWidth() / 3;  // third set of category 0
    auto whisker_near = [&](double ms) {
        const QPointF p = chart.chart()->mapToPosition(QPointF(x, ms), series) * image.devicePixelRatio();
        for (int dx = -2; dx <= 2; ++dx)
            for (int dy = -2; dy <= 2; ++dy) {
                const QColor c = image.pixelColor(static_cast<int>(p.x()) + dx, static_cast<int>(p.y()) + dy);
                if (c.red() < 0xa0 && c.green() < 0x50 && c.blue() < 0x30) return true;  // dark brown, not orange
            }
        return false;
    };
    EXPECT_TRUE(whisker_near(5.0 + 0.75 * 0.25));
    EXPECT_TRUE(whisker_near(5.75));
    EXPECT_TRUE(whisker_near(6.25 + 0.25 * 0.25));
    EXPECT_FALSE(whisker_near(6.3125 + 0.6));  // the whisker ends at the 75th percentile
}

TEST(AppModels, HeatmapImageAppendsMatchAFullRebuild) {
    Fixture f;
    HeatmapImage streamed;
    streamed.setModel(&f.token_expert, true, true, 1.0);
    for (int first = 0; first < 40; first += 3) {
        f.store.appendTokens(syntheticTokens(f.shape, first, 3));
        streamed.image();  // paint as a view would between batches
    }
    HeatmapImage fresh;
    fresh.setModel(&f.token_expert, true, true, 1.0);
    ASSERT_EQ(streamed.extent(), QSize(42, 9));
    const QImage a = streamed.image().copy(QRect(QPoint(), streamed.extent()));
    const QImage b = fresh.image().copy(QRect(QPoint(), fresh.extent()));
    EXPECT_EQ(a, b);
    // Pixel (token 7, expert 2) is the scale's colour of that probability.
    const double p = value(f.token_expert, 7, 2);
    EXPECT_EQ(a.pixel(7, 2), fresh.scale().rgb(p));
}

TEST(AppModels, TooltipsCarryExactValues) {
    Fixture f;
    f.stream(6, 6);
    const auto trace = syntheticTokens(f.shape, 0, 6);
    const auto& r = trace[5].moe_layers[0];
    const int chosen = r.experts[0];
    const QString tip = f.layer_expert.data(f.layer_expert.index(0, chosen), Qt::ToolTipRole).toString();
    EXPECT_TRUE(tip.contains(QString("probability: %1").arg(QString::number(r.probs[static_cast<size_t>(chosen)], 'g', 6))))
        << tip.toStdString();
    EXPECT_TRUE(tip.contains("chosen, rank 0")) << tip.toStdString();
    EXPECT_TRUE(tip.contains("layer 1")) << tip.toStdString();  // block index, not MoE index
    const QString shared = f.layer_expert.data(f.layer_expert.index(0, 8), Qt::ToolTipRole).toString();
    EXPECT_TRUE(shared.contains("shared expert")) << shared.toStdString();
    const QString strip = f.tokens.data(f.tokens.index(5, 0), Qt::ToolTipRole).toString();
    EXPECT_TRUE(strip.contains(QString("E%1").arg(chosen))) << strip.toStdString();
}

TEST(AppModels, TokenTextIsMadeVisible) {
    EXPECT_EQ(TokenListModel::displayText(" the\n"), QString::fromUtf8("\u00b7the\u21b5"));
    EXPECT_EQ(TokenListModel::displayText("\xe4\xb8\xad"), QString::fromUtf8("\u4e2d"));  // a whole character
    EXPECT_EQ(TokenListModel::displayText("\xe4\xb8"), QString("\\xE4\\xB8"));            // a byte-fallback piece
}
