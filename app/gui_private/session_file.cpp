#include "gui_private/session_file.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtEndian>

#include <cstring>
#include <stdexcept>

#include "gui_private/exports.h"

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

std::vector<float> floatsFromBase64(const QJsonValue& value, const char* what) {
    const QByteArray bytes = QByteArray::fromBase64(value.toString().toLatin1());
    if (bytes.size() % static_cast<qsizetype>(sizeof(float)) != 0) {
        throw std::runtime_error(std::string("session file: malformed ") + what + " array");
    }
    std::vector<float> out(static_cast<size_t>(bytes.size()) / sizeof(float));
    for (size_t i = 0; i < out.size(); ++i) out[i] = qFromLittleEndian<float>(bytes.constData() + i * sizeof(float));
    return out;
}

template <typename T>
QJsonArray toArray(const std::vector<T>& values) {
    QJsonArray a;
    for (const auto& v : values) a.append(static_cast<double>(v));
    return a;
}

template <typename T>
std::vector<T> fromArray(const QJsonValue& value) {
    std::vector<T> out;
    for (const auto& v : value.toArray()) out.push_back(static_cast<T>(v.toDouble()));
    return out;
}

// 64-bit counts survive JSON as decimal strings (a double holds only 53 bits).
QJsonValue int64Value(int64_t v) { return QString::number(v); }
int64_t int64From(const QJsonValue& v) { return v.toString().toLongLong(); }

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

moe::ModelInfo modelFromJson(const QJsonObject& o) {
    moe::ModelInfo m;
    m.path = o["path"].toString().toStdString();
    m.name = o["name"].toString().toStdString();
    m.architecture = o["architecture"].toString().toStdString();
    m.file_size = static_cast<uint64_t>(int64From(o["file_size"]));
    m.n_layer = o["n_layer"].toInt();
    m.n_embd = o["n_embd"].toInt();
    m.n_head = o["n_head"].toInt();
    m.n_head_kv = o["n_head_kv"].toInt();
    m.n_vocab = o["n_vocab"].toInt();
    m.n_ctx_train = o["n_ctx_train"].toInt();
    m.n_expert = o["n_expert"].toInt();
    m.n_expert_used = o["n_expert_used"].toInt();
    m.n_expert_shared = o["n_expert_shared"].toInt();
    m.expert_ffn = o["expert_ffn"].toInt();
    m.shared_ffn = o["shared_ffn"].toInt();
    m.dense_ffn = o["dense_ffn"].toInt();
    m.n_leading_dense = o["n_leading_dense"].toInt();
    m.moe_layers = fromArray<int>(o["moe_layers"]);
    m.gating = o["gating"].toString().toStdString();
    m.weights_normalized = o["weights_normalized"].toBool();
    m.weights_scale = static_cast<float>(o["weights_scale"].toDouble(1.0));
    m.n_group = o["n_group"].toInt();
    m.n_group_used = o["n_group_used"].toInt();
    m.has_selection_bias = o["has_selection_bias"].toBool();
    m.has_shared_gate = o["has_shared_gate"].toBool();
    m.attention = o["attention"].toString().toStdString();
    m.params_total = int64From(o["params_total"]);
    m.params_active = int64From(o["params_active"]);
    const QJsonObject by_type = o["params_by_type"].toObject();
    for (auto it = by_type.begin(); it != by_type.end(); ++it) m.params_by_type[it.key().toStdString()] = int64From(it.value());
    m.kv_bytes_per_token = int64From(o["kv_bytes_per_token"]);
    m.kv_bytes_per_token_mha = int64From(o["kv_bytes_per_token_mha"]);
    m.tokenizer = o["tokenizer"].toString().toStdString();
    return m;
}

QJsonObject requestToJson(const moe::GenerationRequest& r) {
    return {{"prompt", QString::fromStdString(r.prompt)}, {"max_new_tokens", r.max_new_tokens},
            {"temperature", r.sampling.temperature}, {"top_k", r.sampling.top_k},
            {"top_p", r.sampling.top_p}, {"seed", int64Value(static_cast<int64_t>(r.sampling.seed))}};
}

moe::GenerationRequest requestFromJson(const QJsonObject& o) {
    moe::GenerationRequest r;
    r.prompt = o["prompt"].toString().toStdString();
    r.max_new_tokens = o["max_new_tokens"].toInt();
    r.sampling.temperature = static_cast<float>(o["temperature"].toDouble());
    r.sampling.top_k = o["top_k"].toInt();
    r.sampling.top_p = static_cast<float>(o["top_p"].toDouble(1.0));
    r.sampling.seed = static_cast<uint64_t>(int64From(o["seed"]));
    return r;
}

QJsonObject statsToJson(const GenerationStats& s) {
    return {{"prompt_tokens", s.prompt_tokens}, {"generated_tokens", s.generated_tokens},
            {"elapsed_ms", s.elapsed_ms}, {"prefill_ms", s.prefill_ms}, {"decode_ms", s.decode_ms},
            {"time_to_first_token_ms", s.time_to_first_token_ms}, {"cancelled", s.cancelled},
            {"stopped_at_eos", s.stopped_at_eos}};
}

GenerationStats statsFromJson(const QJsonObject& o) {
    GenerationStats s;
    s.prompt_tokens = o["prompt_tokens"].toInt();
    s.generated_tokens = o["generated_tokens"].toInt();
    s.elapsed_ms = o["elapsed_ms"].toDouble();
    s.prefill_ms = o["prefill_ms"].toDouble();
    s.decode_ms = o["decode_ms"].toDouble();
    s.time_to_first_token_ms = o["time_to_first_token_ms"].toDouble(-1);
    s.cancelled = o["cancelled"].toBool();
    s.stopped_at_eos = o["stopped_at_eos"].toBool();
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

moe::TokenTrace tokenFromJson(const QJsonObject& o) {
    moe::TokenTrace t;
    t.step = o["step"].toInt();
    t.pos = o["pos"].toInt();
    t.token_id = o["token_id"].toInt();
    t.text = QByteArray::fromBase64(o["text"].toString().toLatin1()).toStdString();
    t.is_prompt = o["is_prompt"].toBool();
    for (const auto& lv : o["moe_layers"].toArray()) {
        const QJsonObject l = lv.toObject();
        moe::LayerRouting r;
        r.layer = l["layer"].toInt();
        r.probs = floatsFromBase64(l["probs"], "probs");
        r.scores = floatsFromBase64(l["scores"], "scores");
        r.experts = fromArray<int>(l["experts"]);
        r.weights = floatsFromBase64(l["weights"], "weights");
        const auto gate = floatsFromBase64(l["shared_gate"], "shared_gate");
        if (gate.size() == 1) r.shared_gate = gate[0];
        r.time_ms = l["time_ms"].toDouble();
        if (r.weights.size() != r.experts.size()) throw std::runtime_error("session file: experts and weights differ in length");
        t.moe_layers.push_back(std::move(r));
    }
    t.layer_time_ms = fromArray<double>(o["layer_time_ms"]);
    t.total_ms = o["total_ms"].toDouble();
    t.flops_used = o["flops_used"].toDouble();
    t.flops_dense = o["flops_dense"].toDouble();
    t.weight_bytes_used = o["weight_bytes_used"].toDouble();
    t.weight_bytes_dense = o["weight_bytes_dense"].toDouble();
    return t;
}

}  // namespace

QByteArray serializeSession(const SessionDocument& doc) {
    QJsonArray tokens;
    for (const auto& t : doc.tokens) tokens.append(tokenToJson(t));
    const QJsonObject root{{"format", kFormat}, {"version", kVersion}, {"model", modelToJson(doc.model)},
                           {"request", requestToJson(doc.request)}, {"generated_text", doc.generated_text},
                           {"stats", statsToJson(doc.stats)}, {"tokens", tokens}};
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
    SessionDocument doc;
    doc.model = modelFromJson(root["model"].toObject());
    doc.request = requestFromJson(root["request"].toObject());
    doc.generated_text = root["generated_text"].toString();
    doc.stats = statsFromJson(root["stats"].toObject());
    for (const auto& t : root["tokens"].toArray()) {
        doc.tokens.push_back(tokenFromJson(t.toObject()));
        const auto& routed = doc.tokens.back().moe_layers;
        for (const auto& r : routed) {
            if (static_cast<int>(r.probs.size()) != doc.model.n_expert) {
                throw std::runtime_error("session file: a token's routing does not match the model's expert count");
            }
        }
        if (routed.size() > doc.model.moe_layers.size()) {
            throw std::runtime_error("session file: a token has more MoE layers than the model");
        }
    }
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
