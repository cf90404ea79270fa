#include "gui_private/session_checks.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

#include "gui_private/expert_overrides.h"
#include "trace/routing_trace.h"

namespace moe::gui {

namespace {

constexpr int kMaxDimension = 1 << 24;       // embedding width, vocabulary, context, ...
constexpr int kMaxTokens = 1 << 24;          // steps and positions
constexpr size_t kMaxNameBytes = 4096;       // path, name, architecture, tokenizer, ...
constexpr size_t kMaxTokenBytes = 1024;      // one token's text
constexpr size_t kMaxTextBytes = 64u << 20;  // prompt and generated text

[[noreturn]] void fail(const std::string& field, const std::string& value, const std::string& allowed) {
    throw std::runtime_error("session file: " + field + " is " + value + " (allowed " + allowed + ")");
}

void checkRange(const std::string& field, int64_t value, int64_t lo, int64_t hi) {
    if (value < lo || value > hi) fail(field, std::to_string(value), std::to_string(lo) + " to " + std::to_string(hi));
}

void checkLength(const std::string& field, size_t size, size_t max) {
    if (size > max) fail(field, std::to_string(size) + " bytes long", "up to " + std::to_string(max));
}

void checkSize(const std::string& field, size_t size, size_t expected, const std::string& because) {
    if (size != expected) fail(field, std::to_string(size) + " long", std::to_string(expected) + ", " + because);
}

constexpr double kMax = std::numeric_limits<double>::max();

// `minus_inf` allows -inf (a masked selection score); NaN is never allowed here.
void checkFloat(const std::string& field, double value, double lo, double hi, bool minus_inf = false) {
    if (minus_inf && std::isinf(value) && value < 0) return;
    if (value >= lo && value <= hi) return;
    if (hi < kMax) fail(field, format_float(value), "a number from " + format_float(lo) + " to " + format_float(hi));
    fail(field, format_float(value), lo > -kMax ? "a finite number from " + format_float(lo) : "a finite number");
}

void checkModel(const moe::ModelInfo& m) {
    for (const auto& [field, value] : {std::pair{"path", &m.path}, {"name", &m.name}, {"architecture", &m.architecture},
                                       {"gating", &m.gating}, {"attention", &m.attention}, {"tokenizer", &m.tokenizer}}) {
        checkLength(std::string("model.") + field, value->size(), kMaxNameBytes);
    }
    checkRange("model.n_layer", m.n_layer, 0, kMaxSessionLayers);
    checkRange("model.n_expert", m.n_expert, 0, kMaxSessionExperts);
    checkRange("model.n_expert_used", m.n_expert_used, 0, m.n_expert);
    checkRange("model.n_expert_shared", m.n_expert_shared, 0, kMaxSessionExperts);
    checkRange("model.n_leading_dense", m.n_leading_dense, 0, m.n_layer);
    checkRange("model.n_group", m.n_group, 0, std::max(0, m.n_expert));
    checkRange("model.n_group_used", m.n_group_used, 0, m.n_group);
    for (const auto& [field, value] : {std::pair{"n_embd", m.n_embd}, {"n_head", m.n_head}, {"n_head_kv", m.n_head_kv},
                                       {"n_vocab", m.n_vocab}, {"n_ctx_train", m.n_ctx_train}, {"expert_ffn", m.expert_ffn},
                                       {"shared_ffn", m.shared_ffn}, {"dense_ffn", m.dense_ffn}}) {
        checkRange(std::string("model.") + field, value, 0, kMaxDimension);
    }
    checkFloat("model.weights_scale", m.weights_scale, -kMax, kMax);
    for (const auto& [field, value] : {std::pair{"file_size", static_cast<int64_t>(m.file_size)},
                                       {"params_total", m.params_total}, {"params_active", m.params_active},
                                       {"kv_bytes_per_token", m.kv_bytes_per_token},
                                       {"kv_bytes_per_token_mha", m.kv_bytes_per_token_mha}}) {
        checkRange(std::string("model.") + field, value, 0, INT64_MAX);
    }
    for (const auto& [type, count] : m.params_by_type) {
        checkLength("model.params_by_type key", type.size(), kMaxNameBytes);
        checkRange("model.params_by_type." + type, count, 0, INT64_MAX);
    }
    // Block indices of the MoE layers: inside the model, in block order, each once.
    checkRange("model.moe_layers (count)", static_cast<int64_t>(m.moe_layers.size()), 0, m.n_layer);
    for (size_t i = 0; i < m.moe_layers.size(); ++i) {
        const int previous = i == 0 ? -1 : m.moe_layers[i - 1];
        checkRange("model.moe_layers[" + std::to_string(i) + "]", m.moe_layers[i], previous + 1, m.n_layer - 1);
    }
}

void checkRequest(const moe::GenerationRequest& r) {
    checkLength("request.prompt", r.prompt.size(), kMaxTextBytes);
    checkRange("request.max_new_tokens", r.max_new_tokens, 0, kMaxTokens);
    checkFloat("request.temperature", r.sampling.temperature, 0, kMax);
    checkRange("request.top_k", r.sampling.top_k, 0, kMaxDimension);
    if (!(r.sampling.top_p > 0 && r.sampling.top_p <= 1)) {
        fail("request.top_p", format_float(r.sampling.top_p), "more than 0, up to 1");
    }
}

void checkStats(const GenerationStats& s) {
    checkRange("stats.prompt_tokens", s.prompt_tokens, 0, kMaxTokens);
    checkRange("stats.generated_tokens", s.generated_tokens, 0, kMaxTokens);
    checkFloat("stats.elapsed_ms", s.elapsed_ms, 0, kMax);
    checkFloat("stats.prefill_ms", s.prefill_ms, 0, kMax);
    checkFloat("stats.decode_ms", s.decode_ms, 0, kMax);
    checkFloat("stats.time_to_first_token_ms", s.time_to_first_token_ms, -1, kMax);  // -1: none yet
}

void checkRouting(const std::string& at, const moe::LayerRouting& r, int expected_layer, const moe::ModelInfo& m) {
    checkRange(at + ".layer", r.layer, expected_layer, expected_layer);
    const auto n_expert = static_cast<size_t>(m.n_expert);
    checkSize(at + ".probs", r.probs.size(), n_expert, "model.n_expert");
    checkSize(at + ".scores", r.scores.size(), n_expert, "model.n_expert");
    checkRange(at + ".experts (count)", static_cast<int64_t>(r.experts.size()), 0, m.n_expert);
    checkSize(at + ".weights", r.weights.size(), r.experts.size(), "one per chosen expert");
    std::set<int> seen;
    for (size_t k = 0; k < r.experts.size(); ++k) {
        const std::string field = at + ".experts[" + std::to_string(k) + "]";
        checkRange(field, r.experts[k], 0, m.n_expert - 1);
        if (!seen.insert(r.experts[k]).second) fail(field, std::to_string(r.experts[k]), "each expert once");
        checkFloat(at + ".weights[" + std::to_string(k) + "]", r.weights[k], -kMax, kMax);
    }
    for (size_t e = 0; e < n_expert; ++e) {
        checkFloat(at + ".probs[" + std::to_string(e) + "]", r.probs[e], 0, 1);
        checkFloat(at + ".scores[" + std::to_string(e) + "]", r.scores[e], -kMax, kMax, /*minus_inf=*/true);
    }
    if (!std::isnan(r.shared_gate)) checkFloat(at + ".shared_gate", r.shared_gate, 0, 1);  // NaN: no gate
    checkFloat(at + ".time_ms", r.time_ms, 0, kMax);
}

void checkToken(const std::string& at, const moe::TokenTrace& t, const moe::ModelInfo& m) {
    checkRange(at + ".step", t.step, 0, kMaxTokens);
    checkRange(at + ".pos", t.pos, 0, kMaxTokens);
    checkRange(at + ".token_id", t.token_id, 0, m.n_vocab > 0 ? m.n_vocab - 1 : kMaxDimension);
    checkLength(at + ".text", t.text.size(), kMaxTokenBytes);
    checkRange(at + ".moe_layers (count)", static_cast<int64_t>(t.moe_layers.size()), 0,
               static_cast<int64_t>(m.moe_layers.size()));
    for (size_t l = 0; l < t.moe_layers.size(); ++l) {
        checkRouting(at + ".moe_layers[" + std::to_string(l) + "]", t.moe_layers[l], m.moe_layers[l], m);
    }
    checkRange(at + ".layer_time_ms (count)", static_cast<int64_t>(t.layer_time_ms.size()), 0, m.n_layer);
    for (size_t l = 0; l < t.layer_time_ms.size(); ++l) {
        checkFloat(at + ".layer_time_ms[" + std::to_string(l) + "]", t.layer_time_ms[l], 0, kMax);
    }
    checkFloat(at + ".total_ms", t.total_ms, 0, kMax);
    checkFloat(at + ".flops_used", t.flops_used, 0, kMax);
    checkFloat(at + ".flops_dense", t.flops_dense, 0, kMax);
    checkFloat(at + ".weight_bytes_used", t.weight_bytes_used, 0, kMax);
    checkFloat(at + ".weight_bytes_dense", t.weight_bytes_dense, 0, kMax);
}

// The overrides being edited must fit this model: every disabled expert in one of its MoE
// layers, and no layer left fewer experts than a token is routed to (as the editor ensures).
// overridesFromJson has already held top-k and the expert ids to the model's expert count.
void checkOverrides(const moe::RoutingOverrides& o, const moe::ModelInfo& m) {
    std::map<int, int> disabled_in;
    for (const auto& disabled : o.disabled) {
        const int layer = disabled.first;
        if (std::find(m.moe_layers.begin(), m.moe_layers.end(), layer) == m.moe_layers.end())
            fail("overrides.disabled layer", std::to_string(layer), "a MoE layer of model.moe_layers");
        ++disabled_in[layer];
    }
    const int routed = routedPerToken(o, m);
    for (const auto& [layer, count] : disabled_in)
        checkRange("overrides.disabled (count in layer " + std::to_string(layer) + ")", count, 0, m.n_expert - routed);
}

}  // namespace

void validateSession(const SessionDocument& doc) {
    checkModel(doc.model);
    checkRequest(doc.request);
    checkLength("generated_text", static_cast<size_t>(doc.generated_text.toUtf8().size()), kMaxTextBytes);
    checkStats(doc.stats);
    checkRange("tokens (count)", static_cast<int64_t>(doc.tokens.size()), 0, kMaxTokens);
    for (size_t i = 0; i < doc.tokens.size(); ++i) checkToken("tokens[" + std::to_string(i) + "]", doc.tokens[i], doc.model);
    checkOverrides(doc.overrides, doc.model);
}

}  // namespace moe::gui
