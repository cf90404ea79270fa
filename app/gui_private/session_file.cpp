#include "gui_private/session_file.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtEndian>

#include <cstring>
#include <stdexcept>

#include "gui_private/exports.h"
#include "gui_private/json_fields.h"
#include "gui_private/profile_json.h"
#include "gui_private/run_history_json.h"
#include "gui_private/session_checks.h"

namespace moe::gui {

namespace {

constexpr auto kFormat = "moescope-session";
constexpr int kVersion = 1;

QString toBase64(const std::vector<float>& values) {
    QByteArray bytes(static_cast<qsizetype>(values.size() * sizeof(float)), Qt::Uninitialized);
    for (size_t i = 0; i < values.size(); ++i) {
        qToLittleEndian(values[i], bytes.data() + i * sizeof(float));
    }
    return QString::fromLatin1(bytes.toBase64());
}

template <typename T>
QJsonArray toArray(const std::vector<T>& values) {
    QJsonArray a;
    for (const auto& v : values) a.append(static_cast<double>(v));
    return a;
}

// 64-bit counts survive JSON as decimal strings (a double holds only 53 bits).
QJsonValue int64Value(int64_t v) { return QString::number(v); }

QJsonObject modelToJson(const moe::ModelInfo& m) {
    QJsonObject by_type;
    for (const auto& [type, count] : m.params_by_type) by_type[QString::fromStdString(type)] = int64Value(count);
    return {
        {"path", QString::fromStdString(m.path)}, {"name", QString::fromStdString(m.name)},
        {"architecture", QString::fromStdString(m.architecture)}, {"file_size", int64Value(static_cast<int64_t>(m.file_size))},
        {"n_layer", m.n_layer}, {"n_embd", m.n_embd}, {"n_head", m.n_head}, {"n_head_kv", m.n_head_kv},
        {"n_vocab", m.n_vocab}, {"n_ctx_train", m.n_ctx_train}, {"n_expert", m.n_expert},
        {"n_expert_used", m.n_expert_used}, {"n_expert_shared", m.n_expert_shared},
        {"expert_ffn", m.expert_ffn}, {"shared_ffn", m.shared_ffn}, {"dense_ffn", m.dense_ffn},
        {"n_leading_dense", m.n_leading_dense}, {"moe_layers", toArray(m.moe_layers)},
        {"gating", QString::fromStdString(m.gating)}, {"weights_normalized", m.weights_normalized},
        {"weights_scale", m.weights_scale}, {"n_group", m.n_group}, {"n_group_used", m.n_group_used},
        {"has_selection_bias", m.has_selection_bias}, {"has_shared_gate", m.has_shared_gate},
        {"attention", QString::fromStdString(m.attention)}, {"params_total", int64Value(m.params_total)},
        {"params_active", int64Value(m.params_active)}, {"params_by_type", by_type},
        {"kv_bytes_per_token", int64Value(m.kv_bytes_per_token)},
        {"kv_bytes_per_token_mha", int64Value(m.kv_bytes_per_token_mha)},
        {"tokenizer", QString::fromStdString(m.tokenizer)},
    };
}

moe::ModelInfo modelFromJson(const JsonFields& o) {
    moe::ModelInfo m;
    m.path = o.text("path");
    m.name = o.text("name");
    m.architecture = o.text("architecture");
    m.file_size = static_cast<uint64_t>(o.int64("file_size"));
    m.n_layer = o.integer("n_layer");
    m.n_embd = o.integer("n_embd");
    m.n_head = o.integer("n_head");
    m.n_head_kv = o.integer("n_head_kv");
    m.n_vocab = o.integer("n_vocab");
    m.n_ctx_train = o.integer("n_ctx_train");
    m.n_expert = o.integer("n_expert");
    m.n_expert_used = o.integer("n_expert_used");
    m.n_expert_shared = o.integer("n_expert_shared");
    m.expert_ffn = o.integer("expert_ffn");
    m.shared_ffn = o.integer("shared_ffn");
    m.dense_ffn = o.integer("dense_ffn");
    m.n_leading_dense = o.integer("n_leading_dense");
    m.moe_layers = o.integers("moe_layers");
    m.gating = o.text("gating");
    m.weights_normalized = o.boolean("weights_normalized");
    m.weights_scale = static_cast<float>(o.real("weights_scale"));
    m.n_group = o.integer("n_group");
    m.n_group_used = o.integer("n_group_used");
    m.has_selection_bias = o.boolean("has_selection_bias");
    m.has_shared_gate = o.boolean("has_shared_gate");
    m.attention = o.text("attention");
    m.params_total = o.int64("params_total");
    m.params_active = o.int64("params_active");
    m.params_by_type = o.int64Map("params_by_type");
    m.kv_bytes_per_token = o.int64("kv_bytes_per_token");
    m.kv_bytes_per_token_mha = o.int64("kv_bytes_per_token_mha");
    m.tokenizer = o.text("tokenizer");
    return m;
}

QJsonObject requestToJson(const moe::GenerationRequest& r) {
    return {{"prompt", QString::fromStdString(r.prompt)}, {"max_new_tokens", r.max_new_tokens},
            {"temperature", r.sampling.temperature}, {"top_k", r.sampling.top_k},
            {"top_p", r.sampling.top_p}, {"seed", int64Value(static_cast<int64_t>(r.sampling.seed))}};
}

moe::GenerationRequest requestFromJson(const JsonFields& o) {
    moe::GenerationRequest r;
    r.prompt = o.text("prompt");
    r.max_new_tokens = o.integer("max_new_tokens");
    r.sampling.temperature = static_cast<float>(o.real("temperature"));
    r.sampling.top_k = o.integer("top_k");
    r.sampling.top_p = static_cast<float>(o.real("top_p"));
    r.sampling.seed = static_cast<uint64_t>(o.int64("seed"));
    return r;
}

QJsonObject statsToJson(const GenerationStats& s) {
    return {{"prompt_tokens", s.prompt_tokens}, {"generated_tokens", s.generated_tokens},
            {"elapsed_ms", s.elapsed_ms}, {"prefill_ms", s.prefill_ms}, {"decode_ms", s.decode_ms},
            {"time_to_first_token_ms", s.time_to_first_token_ms}, {"cancelled", s.cancelled},
            {"stopped_at_eos", s.stopped_at_eos}};
}

GenerationStats statsFromJson(const JsonFields& o) {
    GenerationStats s;
    s.prompt_tokens = o.integer("prompt_tokens");
    s.generated_tokens = o.integer("generated_tokens");
    s.elapsed_ms = o.real("elapsed_ms");
    s.prefill_ms = o.real("prefill_ms");
    s.decode_ms = o.real("decode_ms");
    s.time_to_first_token_ms = o.real("time_to_first_token_ms");
    s.cancelled = o.boolean("cancelled");
    s.stopped_at_eos = o.boolean("stopped_at_eos");
    s.finished = true;
    return s;
}

QJsonObject tokenToJson(const moe::TokenTrace& t) {
    QJsonArray layers;
    for (const auto& r : t.moe_layers) {
        QJsonObject layer{{"layer", r.layer}, {"probs", toBase64(r.probs)}, {"scores", toBase64(r.scores)},
                          {"experts", toArray(r.experts)}, {"weights", toBase64(r.weights)},
                          {"shared_gate", toBase64({r.shared_gate})}, {"time_ms", r.time_ms}};
        layers.append(layer);
    }
    const QByteArray text(t.text.data(), static_cast<qsizetype>(t.text.size()));
    return {{"step", t.step}, {"pos", t.pos}, {"token_id", t.token_id},
            {"text", QString::fromLatin1(text.toBase64())}, {"is_prompt", t.is_prompt},
            {"moe_layers", layers}, {"layer_time_ms", toArray(t.layer_time_ms)}, {"total_ms", t.total_ms},
            {"flops_used", t.flops_used}, {"flops_dense", t.flops_dense},
            {"weight_bytes_used", t.weight_bytes_used}, {"weight_bytes_dense", t.weight_bytes_dense}};
}

moe::TokenTrace tokenFromJson(const JsonFields& o) {
    moe::TokenTrace t;
    t.step = o.integer("step");
    t.pos = o.integer("pos");
    t.token_id = o.integer("token_id");
    t.text = o.base64("text");
    t.is_prompt = o.boolean("is_prompt");
    for (const JsonFields& l : o.objects("moe_layers")) {
        moe::LayerRouting r;
        r.layer = l.integer("layer");
        r.probs = l.base64Floats("probs");
        r.scores = l.base64Floats("scores");
        r.experts = l.integers("experts");
        r.weights = l.base64Floats("weights");
        const auto gate = l.base64Floats("shared_gate");
        if (gate.size() != 1) throw std::runtime_error("session file: " + l.where("shared_gate") + " is not one float32");
        r.shared_gate = gate[0];
        r.time_ms = l.real("time_ms");
        t.moe_layers.push_back(std::move(r));
    }
    t.layer_time_ms = o.reals("layer_time_ms");
    t.total_ms = o.real("total_ms");
    t.flops_used = o.real("flops_used");
    t.flops_dense = o.real("flops_dense");
    t.weight_bytes_used = o.real("weight_bytes_used");
    t.weight_bytes_dense = o.real("weight_bytes_dense");
    return t;
}

}  // namespace

QByteArray serializeSession(const SessionDocument& doc) {
    QJsonArray tokens;
    for (const auto& t : doc.tokens) tokens.append(tokenToJson(t));
    QJsonObject root{{"format", kFormat}, {"version", kVersion}, {"model", modelToJson(doc.model)},
                           {"request", requestToJson(doc.request)}, {"generated_text", doc.generated_text},
                           {"stats", statsToJson(doc.stats)}, {"tokens", tokens},
                           {"runs", runsToJson(doc.runs)}, {"current_run", doc.current_run},
                           {"overrides", overridesToJson(doc.overrides)}};
    if (doc.profile) root["profile"] = profileToJson(*doc.profile);
    return QJsonDocument(root).toJson(QJsonDocument::Compact);
}

SessionDocument parseSession(const QByteArray& json) {
    QJsonParseError error;
    const QJsonDocument parsed = QJsonDocument::fromJson(json, &error);
    if (parsed.isNull()) {
        throw std::runtime_error("not a MoEScope session (JSON error at byte " + std::to_string(error.offset) + ": " +
                                 error.errorString().toStdString() + ")");
    }
    const QJsonObject root = parsed.object();
    if (root["format"].toString() != QLatin1String(kFormat)) throw std::runtime_error("not a MoEScope session file");
    if (root["version"].toInt() != kVersion) {
        throw std::runtime_error("unsupported session version " + std::to_string(root["version"].toInt()));
    }
    const JsonFields fields(root, "");
    SessionDocument doc;
    doc.model = modelFromJson(fields.object("model"));
    doc.request = requestFromJson(fields.object("request"));
    doc.generated_text = QString::fromStdString(fields.text("generated_text"));
    doc.stats = statsFromJson(fields.object("stats"));
    for (const JsonFields& t : fields.objects("tokens")) doc.tokens.push_back(tokenFromJson(t));
    // The run history came later: files without it open with none.
    if (fields.has("runs")) {
        doc.runs = runsFromJson(fields.objects("runs"));
        doc.current_run = fields.integer("current_run");
        if (doc.current_run < -1 || doc.current_run >= static_cast<int>(doc.runs.size()) ||
            (doc.current_run >= 0 && doc.runs[static_cast<size_t>(doc.current_run)].kind != moe::RunKind::Generation))
            throw std::runtime_error("session file: current_run is " + std::to_string(doc.current_run) +
                                     " (allowed -1 or the index of a generation in runs)");
    }
    if (fields.has("profile")) doc.profile = profileFromJson(fields.object("profile"), doc.model);
    // So are the overrides being edited: files without them open with none.
    if (fields.has("overrides")) doc.overrides = overridesFromJson(fields.object("overrides"), doc.model.n_expert);
    // Views index by these numbers without checks, so nothing unchecked reaches the store.
    validateSession(doc);
    return doc;
}

QString saveSession(const SessionDocument& doc, const QString& path) {
    return writeFileAtomically(path, serializeSession(doc));
}

QString openSession(const QString& path, SessionDocument* doc) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return QObject::tr("Cannot open %1: %2").arg(path, file.errorString());
    try {
        *doc = parseSession(file.readAll());
        return {};
    } catch (const std::exception& e) {
        return QObject::tr("%1: %2").arg(path, QString::fromStdString(e.what()));
    }
}

}  // namespace moe::gui
