// The app on every architecture's tiny model (synth --preset tiny, F32): it loads, the model
// card names the architecture and the experts, and a short run shows exactly the routing a
// direct engine run gives, with one heatmap row per MoE layer (dense blocks have none).
#include <gtest/gtest.h>

#include <QSignalSpy>

#include <cctype>

#include "app/app_test_util.h"
#include "engine/engine.h"
#include "gui_private/routing_models.h"
#include "gui_private/trace_store.h"
#include "models/synthetic_model.h"
#include "support/test_support.h"
#include "widgets/main_window.h"
#include "widgets/model_card.h"

using namespace moe::gui;

namespace {

std::vector<std::string> architecturesWithATinyPreset() {
    std::vector<std::string> arches;
    for (const moe::SynthPresetName& p : moe::synthetic_presets())
        if (p.preset == "tiny") arches.push_back(p.arch);
    return arches;
}

class AppArchitecture : public testing::TestWithParam<std::string> {};

TEST_P(AppArchitecture, TinyModelOpensAndShowsItsRouting) {
    moe::SynthOptions options;
    options.arch = GetParam();
    const std::string path = moe::test::temp_dir() + "/app-" + GetParam() + "-tiny.gguf";
    moe::write_synthetic_model(options, path);

    MainWindow w;
    w.show();
    QSignalSpy loaded(w.controller(), &InferenceController::modelLoaded);
    w.openModel(QString::fromStdString(path));
    ASSERT_TRUE(moe::test::waitForSignals(loaded)) << w.messageText().toStdString();
    const moe::ModelInfo& info = w.controller()->modelInfo();
    EXPECT_EQ(info.architecture, GetParam());
    EXPECT_EQ(w.modelCard()->fieldText("Architecture"), QString::fromStdString(GetParam()));
    EXPECT_TRUE(w.modelCard()->fieldText("Experts").startsWith(QString("%1 routed, top-%2").arg(info.n_expert).arg(info.n_expert_used)))
        << w.modelCard()->fieldText("Experts").toStdString();
    ASSERT_FALSE(info.moe_layers.empty());
    EXPECT_EQ(w.store()->moeLayerCount(), static_cast<int>(info.moe_layers.size()));

    moe::GenerationRequest request;
    request.prompt = "Hello, world";
    request.max_new_tokens = 3;
    w.setPrompt(QString::fromStdString(request.prompt));
    w.setMaxTokens(request.max_new_tokens);
    QSignalSpy finished(w.controller(), &InferenceController::generationFinished);
    w.run();
    ASSERT_TRUE(moe::test::waitForSignals(finished));

    const std::vector<moe::TokenTrace> expected = moe::test::directTrace(path, request);

    const auto& got = w.store()->tokens();
    ASSERT_FALSE(expected.empty());
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        ASSERT_EQ(got[i].moe_layers.size(), info.moe_layers.size());
        for (size_t l = 0; l < expected[i].moe_layers.size(); ++l) {
            EXPECT_EQ(got[i].moe_layers[l].layer, expected[i].moe_layers[l].layer);
            EXPECT_EQ(got[i].moe_layers[l].experts, expected[i].moe_layers[l].experts) << "token " << i << ", MoE layer " << l;
        }
    }
    EXPECT_EQ(w.layerExpertModel()->rowCount(), static_cast<int>(info.moe_layers.size()));
    EXPECT_EQ(w.tokenExpertModel()->rowCount(), static_cast<int>(expected.size()));
}

INSTANTIATE_TEST_SUITE_P(EverySynthArchitecture, AppArchitecture, testing::ValuesIn(architecturesWithATinyPreset()),
                         [](const testing::TestParamInfo<std::string>& info) {
                             std::string name = info.param;
                             for (char& ch : name)
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return name;
                         });

}  // namespace
