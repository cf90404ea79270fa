// The optional pieces of the MoE feed-forward (MoeSpec), the layer plan and the attention
// windows, on hand-built two-expert weights with values worked out by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "models/moe_ffn.h"
#include "models/router.h"
#include "parallel/thread_pool.h"

namespace moe {
namespace {

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// An F32 tensor over `values` with shape ne (innermost first).
struct F32Tensor {
    gguf::TensorInfo info;
    std::vector<float> values;
    F32Tensor(std::vector<int64_t> ne, std::vector<float> v) : values(std::move(v)) {
        info.n_dims = static_cast<uint32_t>(ne.size());
        for (size_t i = 0; i < ne.size(); ++i) info.ne[i] = ne[i];
        info.nbytes = values.size() * sizeof(float);
        info.data = reinterpret_cast<const uint8_t*>(values.data());
    }
    Weight weight() const { return Weight{&info}; }
};

// d = 2, two experts of width 1. Router rows pick x's components; expert 0: gate (1, 0),
// up (0, 1), down (1, 2); expert 1: gate (1, 1), up (1, -1), down (1, 0).
struct TwoExperts {
    F32Tensor router{{2, 2}, {1, 0, 0, 1}};
    F32Tensor gate{{2, 1, 2}, {1, 0, 1, 1}};
    F32Tensor up{{2, 1, 2}, {0, 1, 1, -1}};
    F32Tensor down{{1, 2, 2}, {1, 2, 1, 0}};
    ModelConfig config;
    LayerWeights weights;

    TwoExperts() {
        config.n_layer = 1;
        config.n_embd = 2;
        config.n_expert = 2;
        config.n_expert_used = 1;
        config.n_ff_expert = 1;
        plan_layers(config, [](int) { return true; });
        weights.router = router.weight();
        weights.gate_exps = gate.weight();
        weights.up_exps = up.weight();
        weights.down_exps = down.weight();
    }

    std::vector<float> run(const std::vector<float>& x, LayerRouting* routing = nullptr) const {
        ThreadPool pool(1);
        std::vector<TokenTrace> traces(1);
        ForwardRequest request;
        request.pool = &pool;
        request.traces = &traces;
        std::vector<float> out(2);
        moe_ffn(config, weights, 0, x.data(), 1, out.data(), request);
        if (routing) *routing = traces[0].moe_layers.at(0);
        return out;
    }
};

TEST(MoeFfnTest, WeightAfterTheExpertScalesItsOutput) {
    TwoExperts m;
    m.config.moe.gating = Gating::Sigmoid;
    // x = (2, 1): logits (2, 1), expert 0 with weight σ(2). gate 2, up 1: silu(2)·1 = 2σ(2);
    // times σ(2), then down (1, 2).
    const auto out = m.run({2, 1});
    const double h = 2 * sigmoid(2) * sigmoid(2);
    EXPECT_NEAR(out[0], h, 1e-5);
    EXPECT_NEAR(out[1], 2 * h, 1e-5);
}

TEST(MoeFfnTest, WeightBeforeTheExpertScalesItsInput) {
    TwoExperts m;
    m.config.moe.gating = Gating::Sigmoid;
    m.config.moe.select_on_logits = true;
    m.config.moe.weight_before_expert = true;
    // x' = σ(2)·(2, 1): gate g = 2σ(2) = 1.761594, up u = σ(2) = 0.880797; silu(g)·u = 1.324156.
    LayerRouting routing;
    const auto out = m.run({2, 1}, &routing);
    EXPECT_NEAR(out[0], 1.324156, 1e-5);
    EXPECT_NEAR(out[1], 2.648311, 1e-5);
    EXPECT_EQ(routing.experts, (std::vector<int>{0}));
    EXPECT_NEAR(routing.weights[0], sigmoid(2), 1e-6);
    EXPECT_FLOAT_EQ(routing.scores[0], 2.0f);  // ranked on the raw logits
}

TEST(MoeFfnTest, RouterBiasExpertBiasesAndClampedSwiglu) {
    TwoExperts m;
    m.config.moe.gating = Gating::SoftmaxTopK;
    m.config.moe.activation = ExpertActivation::ClampedSwiglu;
    m.weights.router_bias = {0.0f, 1.5f};           // logits (2, 2.5): expert 1, weight softmax over one = 1
    m.weights.gate_exps_b = {0.0f, 0.5f};           // (E, fe)
    m.weights.up_exps_b = {0.0f, 0.25f};
    m.weights.down_exps_b = {0.0f, 0.0f, 0.0f, 3.0f};  // (E, d)
    LayerRouting routing;
    const auto out = m.run({2, 1}, &routing);
    // gate 2 + 1 + 0.5 = 3.5, up 2 - 1 + 0.25 = 1.25: 3.5·σ(1.702·3.5)·(1.25 + 1) = 7.854675
    EXPECT_EQ(routing.experts, (std::vector<int>{1}));
    EXPECT_FLOAT_EQ(routing.weights[0], 1.0f);
    EXPECT_NEAR(out[0], 7.854675, 1e-4);
    EXPECT_NEAR(out[1], 3.0, 1e-5);
}

TEST(MoeFfnTest, Activations) {
    MoeSpec spec;
    const float gate[2] = {1.0f, 8.0f}, up[2] = {2.0f, 10.0f};
    float out[2];
    expert_activation(spec, gate, up, out, 1);
    EXPECT_NEAR(out[0], 2.0 * sigmoid(1.0), 1e-6);  // silu(1)·2 = 1.462117
    spec.activation = ExpertActivation::Gelu;
    expert_activation(spec, gate, up, out, 1);
    EXPECT_NEAR(out[0], 1.682384, 1e-5);  // 0.5·(1 + tanh(√(2/π)·1.044715))·2
    spec.activation = ExpertActivation::ClampedSwiglu;
    expert_activation(spec, gate, up, out, 2);
    EXPECT_NEAR(out[0], 1.0 * sigmoid(1.702) * 3.0, 1e-5);
    EXPECT_NEAR(out[1], 7.0 * sigmoid(1.702 * 7.0) * 8.0, 1e-4);  // both clamped to 7: 55.99963
    const float low_gate = -1.0f, low_up = -9.0f;  // up clamps to -7: -1·σ(-1.702)·(-6) = 0.925225
    expert_activation(spec, &low_gate, &low_up, out, 1);
    EXPECT_NEAR(out[0], 0.925225, 1e-5);
}

TEST(RouterTest, SoftmaxOverTheTopKOnly) {
    const float logits[4] = {1.0f, 3.0f, 2.0f, 0.0f};
    RouterParams p;
    p.gating = Gating::SoftmaxTopK;
    p.n_expert = 4;
    p.k = 2;
    RoutingDecision d;
    route(logits, p, d);
    EXPECT_EQ(d.experts, (std::vector<int>{1, 2}));
    EXPECT_NEAR(d.weights[0], sigmoid(1.0), 1e-6);  // e³ / (e³ + e²)
    EXPECT_NEAR(d.weights[1], 1.0 - sigmoid(1.0), 1e-6);
    const double z = std::exp(1.0) + std::exp(3.0) + std::exp(2.0) + 1.0;
    EXPECT_NEAR(d.probs[3], 1.0 / z, 1e-6);  // the full softmax, for display
}

TEST(LayerPlanTest, LeadingDenseSharedExpertsAndNoExperts) {
    ModelConfig c;
    c.n_layer = 4;
    c.n_expert = 8;
    plan_layers(c, [](int il) { return il >= 1; });
    EXPECT_EQ(c.layers[0].ffn, FfnKind::Dense);
    EXPECT_EQ(c.layers[3].ffn, FfnKind::Moe);
    c.n_ff_shared = 64;
    plan_layers(c, [](int il) { return il % 2 == 1; });
    EXPECT_EQ(c.layers[1].ffn, FfnKind::MoeShared);
    EXPECT_EQ(c.layers[2].ffn, FfnKind::Dense);
    c.n_expert = 0;
    plan_layers(c, [](int) { return true; });
    EXPECT_FALSE(c.is_moe_layer(3));
}

TEST(LayerPlanTest, AttentionWindows) {
    ModelConfig c;
    c.n_layer = 4;
    c.sliding_window = 3;
    c.attention_chunk = 4;
    plan_layers(c, [](int) { return false; });
    c.layers[1].attention = AttentionKind::SlidingWindow;
    c.layers[2].attention = AttentionKind::Chunked;
    c.layers[3].attention = AttentionKind::NoRope;
    EXPECT_EQ(c.first_visible_position(0, 9), 0);
    EXPECT_EQ(c.first_visible_position(1, 1), 0);  // positions 0, 1
    EXPECT_EQ(c.first_visible_position(1, 5), 3);  // positions 3, 4, 5
    EXPECT_EQ(c.first_visible_position(2, 3), 0);  // chunk 0..3
    EXPECT_EQ(c.first_visible_position(2, 4), 4);  // a new chunk starts
    EXPECT_EQ(c.first_visible_position(2, 7), 4);
    EXPECT_EQ(c.first_visible_position(3, 9), 0);
}

}  // namespace
}  // namespace moe
