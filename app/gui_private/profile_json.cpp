#include "gui_private/profile_json.h"

#include <QJsonArray>
#include <QtEndian>

#include <map>
#include <stdexcept>

#include "gui_private/run_history_json.h"
#include "gui_private/session_checks.h"

namespace moe::gui {

namespace {

constexpr size_t kMaxProfileTokens = size_t{1} << 24;
constexpr size_t kMaxDomains = 256;
constexpr size_t kMaxDomainName = 200;

[[noreturn]] void fail(const std::string& field, const std::string& problem) {
    throw std::runtime_error("session file: " + field + " " + problem);
}

template <typename T>
QString packed(const std::vector<T>& values) {
    QByteArray bytes(static_cast<qsizetype>(values.size() * sizeof(T)), Qt::Uninitialized);
    for (size_t i = 0; i < values.size(); ++i) qToLittleEndian<T>(values[i], bytes.data() + i * sizeof(T));
    return QString::fromLatin1(bytes.toBase64());
}

template <typename T>
std::vector<T> unpacked(const JsonFields& o, const char* key, size_t count) {
    const std::string bytes = o.base64(key);
    if (bytes.size() != count * sizeof(T))
        fail(o.where(key), "holds " + std::to_string(bytes.size()) + " bytes, not " + std::to_string(count * sizeof(T)));
    std::vector<T> values(count);
    for (size_t i = 0; i < count; ++i) values[i] = qFromLittleEndian<T>(bytes.data() + i * sizeof(T));
    return values;
}

}  // namespace

QJsonObject profileToJson(const moe::analysis::RoutingTable& t) {
    std::map<int32_t, std::string> texts;
    for (size_t i = 0; i < t.token_count() && i < t.texts.size(); ++i) texts.try_emplace(t.token_ids[i], t.texts[i]);
    QJsonArray layers, domains;
    for (const int layer : t.layers) layers << layer;
    for (const std::string& name : t.domain_names) domains << QString::fromStdString(name);
    return {{"model", QString::fromStdString(t.model)}, {"n_expert", t.n_expert}, {"max_k", t.max_k},
            {"layers", layers}, {"tokens", QString::number(static_cast<qulonglong>(t.token_count()))},
            {"token_ids", packed(t.token_ids)}, {"positions", packed(t.positions)},
            {"sequences", packed(t.sequences)}, {"domains", packed(t.domains)}, {"domain_names", domains},
            {"texts", textsToJson(texts)}, {"experts", packed(t.experts)}};
}

std::shared_ptr<const moe::analysis::RoutingTable> profileFromJson(const JsonFields& o, const moe::ModelInfo& model) {
    auto t = std::make_shared<moe::analysis::RoutingTable>();
    t->model = o.text("model");
    t->n_expert = o.integer("n_expert");
    t->max_k = o.integer("max_k");
    t->layers = o.integers("layers");
    if (t->n_expert != model.n_expert || t->layers != model.moe_layers)
        fail(o.path(), "has " + std::to_string(t->n_expert) + " experts in " + std::to_string(t->layers.size()) +
                           " MoE layers, not the model's " + std::to_string(model.n_expert) + " in " +
                           std::to_string(model.moe_layers.size()));
    if (t->max_k < 1 || t->max_k > t->n_expert)
        fail(o.where("max_k"), "is " + std::to_string(t->max_k) + " (allowed 1 to " + std::to_string(t->n_expert) + ")");
    const int64_t tokens = o.int64("tokens");
    if (tokens < 1 || static_cast<size_t>(tokens) > kMaxProfileTokens)
        fail(o.where("tokens"), "is " + std::to_string(tokens) + " (allowed 1 to " + std::to_string(kMaxProfileTokens) + ")");
    const auto n = static_cast<size_t>(tokens);
    t->token_ids = unpacked<int32_t>(o, "token_ids", n);
    t->positions = unpacked<int32_t>(o, "positions", n);
    t->sequences = unpacked<uint32_t>(o, "sequences", n);
    // A corpus without domain labels has no domain column.
    t->domains = unpacked<int16_t>(o, "domains", o.base64("domains").empty() ? 0 : n);
    for (const int16_t domain : t->domains)
        if (domain < -1) fail(o.where("domains"), "holds the domain index " + std::to_string(domain));
    t->experts = unpacked<uint16_t>(o, "experts", n * t->layers.size() * static_cast<size_t>(t->max_k));
    t->domain_names = o.texts("domain_names");
    if (t->domain_names.size() > kMaxDomains) fail(o.where("domain_names"), "holds more than 256 names");
    for (const std::string& name : t->domain_names)
        if (name.size() > kMaxDomainName) fail(o.where("domain_names"), "holds a name longer than 200 bytes");
    const std::map<int32_t, std::string> texts = textsFromJson(o.object("texts"));
    for (const int32_t id : t->token_ids) {
        const auto text = texts.find(id);
        t->texts.push_back(text == texts.end() ? std::string() : text->second);
    }
    try {
        moe::analysis::check_table(*t);
    } catch (const std::invalid_argument& e) {
        fail(o.path(), e.what());
    }
    return t;
}

}  // namespace moe::gui
