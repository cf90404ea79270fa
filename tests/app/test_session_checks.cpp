// Hostile session files: every class of bad field is refused with the field and its value, and
// the window keeps the session it had. The expected messages are written out by hand.
#include <gtest/gtest.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSpinBox>
#include <QtEndian>

#include <cmath>
#include <limits>
#include <set>
#include <span>
#include <variant>

#include "gui_private/session_file.h"
#include "gui_private/synthetic_trace.h"
#include "support/test_support.h"
#include "widgets/main_window.h"
#include "widgets/routing_overrides_box.h"

using namespace moe::gui;

namespace {

// 4 blocks (block 0 dense), 8 experts, top-2, 3 tokens.
SyntheticShape smallShape() {
    SyntheticShape s;
    s.n_layer = 4;
    s.n_leading_dense = 1;
    s.n_expert = 8;
    s.n_expert_used = 2;
    s.n_expert_shared = 1;
    s.prompt_tokens = 2;
    return s;
}

QJsonObject validSession() {
    SessionDocument doc;
    doc.model = syntheticModelInfo(smallShape());
    doc.tokens = syntheticTokens(smallShape(), 0, 3);
    return QJsonDocument::fromJson(serializeSession(doc)).object();
}

using Step = std::variant<const char*, int>;

// `node` with the value at `path` replaced (or removed, for an undefined value).
QJsonValue replaced(const QJsonValue& node, std::span<const Step> path, const QJsonValue& value) {
    if (const auto* key = std::get_if<const char*>(&path[0])) {
        QJsonObject o = node.toObject();
        if (path.size() == 1 && value.isUndefined()) {
            o.remove(QLatin1String(*key));
        } else {
            o[QLatin1String(*key)] = path.size() == 1 ? value : replaced(o[QLatin1String(*key)], path.subspan(1), value);
        }
        return o;
    }
    QJsonArray a = node.toArray();
    const int i = std::get<int>(path[0]);
    a[i] = path.size() == 1 ? value : replaced(a[i], path.subspan(1), value);
    return a;
}

QByteArray sessionWith(std::initializer_list<Step> path, const QJsonValue& value) {
    const std::vector<Step> steps(path);
    return QJsonDocument(replaced(validSession(), steps, value).toObject()).toJson();
}

QString floats(std::initializer_list<float> values) {
    QByteArray bytes;
    for (float v : values) {
        char le[4];
        qToLittleEndian(v, le);
        bytes.append(le, 4);
    }
    return QString::fromLatin1(bytes.toBase64());
}

// parseSession's message for a file, or "accepted" when it parses.
std::string problem(const QByteArray& json) {
    try {
        parseSession(json);
        return "accepted";
    } catch (const std::runtime_error& e) {
        return e.what();
    }
}

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

}  // namespace

TEST(SessionChecks, TheValidBaseSessionIsAccepted) {
    EXPECT_EQ(problem(QJsonDocument(validSession()).toJson()), "accepted");
}

// Finding 1 of issue 13: n_layer -1 reached LayerTimeModel::rebuild and aborted the app
// with std::length_error.
TEST(SessionChecks, NegativeLayerCountIsRefusedAndTheWindowKeepsItsSession) {
    const QByteArray bad = sessionWith({"model", "n_layer"}, -1);
    EXPECT_EQ(problem(bad), "session file: model.n_layer is -1 (allowed 0 to 1024)");

    MainWindow w;
    w.store()->resetModel(syntheticModelInfo(smallShape()));
    w.store()->appendTokens(syntheticTokens(smallShape(), 0, 5));
    const QString path = QString::fromStdString(moe::test::temp_dir()) + "/n_layer.moescope.json";
    QFile file(path);
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.write(bad);
    file.close();
    EXPECT_FALSE(w.openSessionFile(path));
    EXPECT_TRUE(w.messageText().contains("model.n_layer is -1")) << w.messageText().toStdString();
    EXPECT_EQ(w.store()->tokenCount(), 5) << "the previous session stays";
    EXPECT_EQ(w.store()->layerCount(), 4);
}

TEST(SessionChecks, CountsOutsideTheirBounds) {
    EXPECT_EQ(problem(sessionWith({"model", "n_layer"}, 100000)),
              "session file: model.n_layer is 100000 (allowed 0 to 1024)");
    EXPECT_EQ(problem(sessionWith({"model", "n_expert"}, 5000)),
              "session file: model.n_expert is 5000 (allowed 0 to 4096)");
    EXPECT_EQ(problem(sessionWith({"model", "n_expert_used"}, 9)),
              "session file: model.n_expert_used is 9 (allowed 0 to 8)");
    EXPECT_EQ(problem(sessionWith({"model", "n_leading_dense"}, 5)),
              "session file: model.n_leading_dense is 5 (allowed 0 to 4)");
    EXPECT_EQ(problem(sessionWith({"request", "max_new_tokens"}, -3)),
              "session file: request.max_new_tokens is -3 (allowed 0 to 16777216)");
    EXPECT_EQ(problem(sessionWith({"stats", "generated_tokens"}, -1)),
              "session file: stats.generated_tokens is -1 (allowed 0 to 16777216)");
    EXPECT_EQ(problem(sessionWith({"tokens", 1, "token_id"}, 32000)),
              "session file: tokens[1].token_id is 32000 (allowed 0 to 31999)");
}

TEST(SessionChecks, LayerIdsAgainstTheModel) {
    // MoE layers are blocks 1, 2, 3 of 4.
    EXPECT_EQ(problem(sessionWith({"model", "moe_layers", 2}, 77)),
              "session file: model.moe_layers[2] is 77 (allowed 3 to 3)");
    EXPECT_EQ(problem(sessionWith({"model", "moe_layers", 1}, 1)),
              "session file: model.moe_layers[1] is 1 (allowed 2 to 3)");
    EXPECT_EQ(problem(sessionWith({"tokens", 0, "moe_layers", 0, "layer"}, 77)),
              "session file: tokens[0].moe_layers[0].layer is 77 (allowed 1 to 1)");
    EXPECT_EQ(problem(sessionWith({"tokens", 2, "moe_layers", 2, "layer"}, 2)),
              "session file: tokens[2].moe_layers[2].layer is 2 (allowed 3 to 3)");
}

TEST(SessionChecks, ExpertIdsAgainstTheModel) {
    EXPECT_EQ(problem(sessionWith({"tokens", 1, "moe_layers", 0, "experts", 1}, 999)),
              "session file: tokens[1].moe_layers[0].experts[1] is 999 (allowed 0 to 7)");
    EXPECT_EQ(problem(sessionWith({"tokens", 0, "moe_layers", 2, "experts", 0}, -5)),
              "session file: tokens[0].moe_layers[2].experts[0] is -5 (allowed 0 to 7)");
    EXPECT_EQ(problem(sessionWith({"tokens", 0, "moe_layers", 0, "experts"}, QJsonArray{3, 3})),
              "session file: tokens[0].moe_layers[0].experts[1] is 3 (allowed each expert once)");
}

TEST(SessionChecks, SizesAgainstEachOther) {
    EXPECT_EQ(problem(sessionWith({"tokens", 0, "moe_layers", 0, "probs"}, floats({0.5f, 0.5f}))),
              "session file: tokens[0].moe_layers[0].probs is 2 long (allowed 8, model.n_expert)");
    EXPECT_EQ(problem(sessionWith({"tokens", 0, "moe_layers", 1, "weights"}, floats({1.0f}))),
              "session file: tokens[0].moe_layers[1].weights is 1 long (allowed 2, one per chosen expert)");
    EXPECT_EQ(problem(sessionWith({"tokens", 0, "moe_layers", 1, "experts"}, QJsonArray{0, 1, 2, 3, 4, 5, 6, 7, 0})),
              "session file: tokens[0].moe_layers[1].experts (count) is 9 (allowed 0 to 8)");
    EXPECT_EQ(problem(sessionWith({"tokens", 2, "layer_time_ms"}, QJsonArray{1, 1, 1, 1, 1})),
              "session file: tokens[2].layer_time_ms (count) is 5 (allowed 0 to 4)");
    QJsonArray four_layers = validSession()["tokens"][0]["moe_layers"].toArray();
    four_layers.append(four_layers[0]);
    EXPECT_EQ(problem(sessionWith({"tokens", 0, "moe_layers"}, four_layers)),
              "session file: tokens[0].moe_layers (count) is 4 (allowed 0 to 3)");
    EXPECT_EQ(problem(sessionWith({"tokens", 0, "moe_layers", 0, "shared_gate"}, floats({0.5f, 0.5f}))),
              "session file: tokens[0].moe_layers[0].shared_gate is not one float32");
}

TEST(SessionChecks, FloatsMustBeFinite) {
    EXPECT_EQ(problem(sessionWith({"tokens", 0, "moe_layers", 0, "probs"},
                                  floats({0, 0, 0, kNaN, 0, 0, 0, 0}))),
              "session file: tokens[0].moe_layers[0].probs[3] is nan (allowed a number from 0 to 1)");
    EXPECT_EQ(problem(sessionWith({"tokens", 1, "moe_layers", 0, "weights"}, floats({kInf, 0.5f}))),
              "session file: tokens[1].moe_layers[0].weights[0] is inf (allowed a finite number)");
    EXPECT_EQ(problem(sessionWith({"tokens", 0, "moe_layers", 0, "scores"}, floats({0, 0, kInf, 0, 0, 0, 0, 0}))),
              "session file: tokens[0].moe_layers[0].scores[2] is inf (allowed a finite number)");
    // A masked score (-inf) is what DeepSeek's group routing writes: allowed.
    EXPECT_EQ(problem(sessionWith({"tokens", 0, "moe_layers", 0, "scores"}, floats({0, 0, -kInf, 0, 0, 0, 0, 0}))),
              "accepted");
    EXPECT_EQ(problem(sessionWith({"tokens", 0, "total_ms"}, -2.5)),
              "session file: tokens[0].total_ms is -2.5 (allowed a finite number from 0)");
    EXPECT_EQ(problem(sessionWith({"request", "temperature"}, -1)),
              "session file: request.temperature is -1 (allowed a finite number from 0)");
    EXPECT_EQ(problem(sessionWith({"request", "top_p"}, 2)),
              "session file: request.top_p is 2 (allowed more than 0, up to 1)");
}

TEST(SessionChecks, FieldsOfTheWrongType) {
    EXPECT_EQ(problem(sessionWith({"model", "n_layer"}, "abc")),
              "session file: model.n_layer is \"abc\" (expected an integer)");
    EXPECT_EQ(problem(sessionWith({"model", "n_layer"}, 1.5)),
              "session file: model.n_layer is 1.5 (expected an integer)");
    EXPECT_EQ(problem(sessionWith({"model", "n_layer"}, 1e300)),
              "session file: model.n_layer is 1e+300 (expected an integer)");
    EXPECT_EQ(problem(sessionWith({"model", "n_layer"}, QJsonValue::Undefined)),
              "session file: model.n_layer is missing");
    EXPECT_EQ(problem(sessionWith({"model", "params_total"}, "12x")),
              "session file: model.params_total is \"12x\" (expected a 64-bit integer in a string)");
    EXPECT_EQ(problem(sessionWith({"tokens", 0, "moe_layers", 0, "probs"}, "!!")),
              "session file: tokens[0].moe_layers[0].probs is \"!!\" (expected base64 text)");
    EXPECT_EQ(problem(sessionWith({"tokens", 0, "moe_layers", 0, "probs"}, "AAA=")),
              "session file: tokens[0].moe_layers[0].probs is \"AAA=\" (expected whole float32 values)");
    EXPECT_EQ(problem(sessionWith({"tokens", 1}, 7)), "session file: tokens[1] is 7 (expected an object)");
    EXPECT_EQ(problem(sessionWith({"tokens"}, "many")), "session file: tokens is \"many\" (expected an array)");
}

TEST(SessionChecks, StringLengths) {
    EXPECT_EQ(problem(sessionWith({"model", "name"}, QString(5000, 'x'))),
              "session file: model.name is 5000 bytes long (allowed up to 4096)");
    EXPECT_EQ(problem(sessionWith({"tokens", 2, "text"}, QString::fromLatin1(QByteArray(2000, 'y').toBase64()))),
              "session file: tokens[2].text is 2000 bytes long (allowed up to 1024)");
    // A long value is cut in the message so the message bar stays one line.
    EXPECT_EQ(problem(sessionWith({"model", "n_layer"}, QString(100, 'z'))),
              "session file: model.n_layer is \"" + std::string(39, 'z') + "... (expected an integer)");
}

TEST(SessionChecks, OverridesAgainstTheModel) {
    // MoE layers are blocks 1, 2, 3; 8 experts, top-2.
    EXPECT_EQ(problem(sessionWith({"overrides", "top_k"}, 9)), "session file: overrides.top_k is 9 (allowed 0 to 8)");
    EXPECT_EQ(problem(sessionWith({"overrides", "disabled"}, QJsonArray{1, 8})),
              "session file: overrides.disabled[1] is 8 (allowed 0 to 7)");
    EXPECT_EQ(problem(sessionWith({"overrides", "disabled"}, QJsonArray{2, 3, 0, 3})),
              "session file: overrides.disabled layer is 0 (allowed a MoE layer of model.moe_layers)");
    EXPECT_EQ(problem(sessionWith({"overrides", "disabled"}, QJsonArray{2, 3, 1})),
              "session file: overrides.disabled does not hold (layer, expert) pairs");
    // Seven of eight experts off in block 2 leaves one for a top-2 router; with top-1 it is enough.
    const QJsonArray seven{2, 0, 2, 1, 2, 2, 2, 3, 2, 4, 2, 5, 2, 6};
    EXPECT_EQ(problem(sessionWith({"overrides", "disabled"}, seven)),
              "session file: overrides.disabled (count in layer 2) is 7 (allowed 0 to 6)");
    QJsonObject top1 = validSession()["overrides"].toObject();
    top1["top_k"] = 1;
    top1["disabled"] = seven;
    EXPECT_EQ(problem(sessionWith({"overrides"}, top1)), "accepted");
    // Sessions from before the overrides were saved open with none.
    EXPECT_EQ(problem(sessionWith({"overrides"}, QJsonValue::Undefined)), "accepted");
}

// The overrides being edited are part of the session: saved, reopened with their hatching, and
// a file whose overrides do not fit its model leaves the window's session and overrides as they were.
TEST(SessionChecks, OverridesRoundTripAndABadOneKeepsThePreviousSession) {
    MainWindow w;
    w.store()->resetModel(syntheticModelInfo(smallShape()));
    w.store()->appendTokens(syntheticTokens(smallShape(), 0, 5));
    moe::RoutingOverrides overrides;
    overrides.top_k = 1;
    overrides.disabled = {{2, 5}, {3, 0}};
    w.store()->setOverrides(overrides);
    const QString dir = QString::fromStdString(moe::test::temp_dir());
    const QString path = dir + "/overrides.moescope.json";
    ASSERT_EQ(w.saveSessionFile(path), QString());

    w.store()->resetModel(syntheticModelInfo(smallShape()));  // a new model forgets them
    ASSERT_TRUE(w.store()->overrides().disabled.empty());
    ASSERT_TRUE(w.openSessionFile(path));
    EXPECT_EQ(w.store()->overrides().top_k, 1);
    EXPECT_FALSE(w.store()->overrides().dense);
    EXPECT_EQ(w.store()->overrides().disabled, (std::set<std::pair<int, int>>{{2, 5}, {3, 0}}));
    // What the heatmaps hatch: MoE layer 1 is block 2, MoE layer 2 is block 3.
    EXPECT_TRUE(w.store()->isDisabled(1, 5));
    EXPECT_TRUE(w.store()->isDisabled(2, 0));
    EXPECT_FALSE(w.store()->isDisabled(0, 5));
    EXPECT_EQ(w.overridesBox()->topK()->value(), 1);

    // Dense mode alone round-trips too.
    overrides = {};
    overrides.dense = true;
    w.store()->setOverrides(overrides);
    ASSERT_EQ(w.saveSessionFile(path), QString());
    w.store()->setOverrides({});
    ASSERT_TRUE(w.openSessionFile(path));
    EXPECT_TRUE(w.store()->overrides().dense);
    EXPECT_TRUE(w.store()->overrides().disabled.empty());

    const QString bad = dir + "/bad-overrides.moescope.json";
    QFile file(bad);
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.write(sessionWith({"overrides", "disabled"}, QJsonArray{0, 4}));
    file.close();
    EXPECT_FALSE(w.openSessionFile(bad));
    EXPECT_TRUE(w.messageText().contains("overrides.disabled layer is 0")) << w.messageText().toStdString();
    EXPECT_TRUE(w.store()->overrides().dense) << "the previous overrides stay";
    EXPECT_EQ(w.store()->tokenCount(), 5) << "the previous session stays";
}
