#include "gui_private/run_history_json.h"

#include <QJsonObject>
#include <QtEndian>

#include <stdexcept>

#include "gui_private/session_checks.h"

namespace moe::gui {

namespace {

constexpr int kMaxRunTokens = 1 << 24;
constexpr int kMaxTokenId = 1 << 24;

[[noreturn]] void fail(const std::string& field, const std::string& problem) {
    throw std::runtime_error("session file: " + field + " " + problem);
}

void checkRange(const std::string& field, int64_t value, int64_t lo, int64_t hi) {
    if (value < lo || value > hi)
        fail(field, "is " + std::to_string(value) + " (allowed " + std::to_string(lo) + " to " + std::to_string(hi) + ")");
}

std::string indexed(const std::string& field, size_t i) { return field + "[" + std::to_string(i) + "]"; }

template <typename T>
QJsonArray toArray(const std::vector<T>& values) {
    QJsonArray a;
    for (const auto& v : values) a.append(static_cast<double>(v));
    return a;
}

QString toBase64(const QByteArray& bytes) { return QString::fromLatin1(bytes.toBase64()); }

QJsonObject routingToJson(const moe::analysis::RoutingTable& t) {
    QByteArray experts(static_cast<qsizetype>(t.experts.size() * 2), Qt::Uninitialized);
    for (size_t i = 0; i < t.experts.size(); ++i) qToLittleEndian<quint16>(t.experts[i], experts.data() + 2 * i);
    return {{"n_expert", t.n_expert}, {"max_k", t.max_k}, {"layers", toArray(t.layers)},
            {"positions", toArray(t.positions)}, {"experts", toBase64(experts)}};
}

QJsonObject whatIfToJson(const std::vector<moe::WhatIfToken>& tokens) {
    QJsonArray pos, target, kl, delta, greedy_b, greedy_w, changed, flops, bytes, flops_base, bytes_base;
    for (const moe::WhatIfToken& t : tokens) {
        pos << t.pos;
        target << t.target;
        kl << t.kl;
        delta << t.delta_logprob;
        greedy_b << t.greedy_baseline;
        greedy_w << t.greedy_what_if;
        changed << (t.routing_changed ? 1 : 0);
        flops << t.flops_saved;
        bytes << t.weight_bytes_saved;
        flops_base << t.flops_baseline;
        bytes_base << t.weight_bytes_baseline;
    }
    return {{"pos", pos}, {"target", target}, {"kl", kl}, {"delta_logprob", delta}, {"greedy_baseline", greedy_b},
            {"greedy_what_if", greedy_w}, {"routing_changed", changed}, {"flops_saved", flops},
            {"weight_bytes_saved", bytes}, {"flops_baseline", flops_base}, {"weight_bytes_baseline", bytes_base}};
}

QJsonObject runToJson(const moe::RunRecord& r) {
    const QJsonObject sampling{{"temperature", r.sampling.temperature}, {"top_k", r.sampling.top_k},
                               {"top_p", r.sampling.top_p},
                               {"seed", QString::number(static_cast<qulonglong>(r.sampling.seed))}};
    return {{"kind", r.kind == moe::RunKind::WhatIf ? "what_if" : "generation"},
            {"model_path", QString::fromStdString(r.model_path)}, {"model_name", QString::fromStdString(r.model_name)},
            {"prompt", QString::fromStdString(r.prompt)}, {"sampling", sampling},
            {"overrides", overridesToJson(r.overrides)}, {"tokens", toArray(r.tokens)}, {"n_prompt", r.n_prompt},
            {"baseline", r.baseline}, {"routing", routingToJson(r.routing)}, {"what_if", whatIfToJson(r.what_if)},
            {"texts", textsToJson(r.texts)}};
}

moe::analysis::RoutingTable routingFromJson(const JsonFields& o, const std::vector<int32_t>& tokens,
                                            const std::map<int32_t, std::string>& texts) {
    moe::analysis::RoutingTable t;
    t.n_expert = o.integer("n_expert");
    checkRange(o.where("n_expert"), t.n_expert, 0, kMaxSessionExperts);
    t.max_k = o.integer("max_k");
    checkRange(o.where("max_k"), t.max_k, 0, t.n_expert);
    t.layers = o.integers("layers");
    checkRange(o.where("layers") + " (count)", static_cast<int64_t>(t.layers.size()), 0, kMaxSessionLayers);
    const std::vector<int> positions = o.integers("positions");
    checkRange(o.where("positions") + " (count)", static_cast<int64_t>(positions.size()), 0,
               static_cast<int64_t>(tokens.size()));
    const std::string experts = o.base64("experts");
    const size_t slot_count = positions.size() * t.layers.size() * static_cast<size_t>(t.max_k);
    if (experts.size() != 2 * slot_count)
        fail(o.where("experts"), "holds " + std::to_string(experts.size()) + " bytes, not 2 per slot (" +
                                     std::to_string(2 * slot_count) + ")");
    moe::analysis::SequenceSplitter splitter;
    for (size_t row = 0; row < positions.size(); ++row) {
        checkRange(indexed(o.where("positions"), row), positions[row], 0, kMaxRunTokens);
        t.token_ids.push_back(tokens[row]);
        t.positions.push_back(positions[row]);
        t.sequences.push_back(splitter.next(0, positions[row]));
        const auto text = texts.find(tokens[row]);
        t.texts.push_back(text == texts.end() ? std::string() : text->second);
    }
    t.experts.resize(slot_count);
    for (size_t i = 0; i < slot_count; ++i) t.experts[i] = qFromLittleEndian<quint16>(experts.data() + 2 * i);
    return t;
}

std::vector<moe::WhatIfToken> whatIfFromJson(const JsonFields& o) {
    const std::vector<int> pos = o.integers("pos"), target = o.integers("target");
    const std::vector<int> greedy_b = o.integers("greedy_baseline"), greedy_w = o.integers("greedy_what_if");
    const std::vector<int> changed = o.integers("routing_changed");
    const std::vector<double> kl = o.reals("kl"), delta = o.reals("delta_logprob");
    const std::vector<double> flops = o.reals("flops_saved"), bytes = o.reals("weight_bytes_saved");
    const std::vector<double> flops_base = o.reals("flops_baseline"), bytes_base = o.reals("weight_bytes_baseline");
    const size_t n = pos.size();
    for (const size_t size : {target.size(), greedy_b.size(), greedy_w.size(), changed.size(), kl.size(), delta.size(),
                              flops.size(), bytes.size(), flops_base.size(), bytes_base.size()})
        if (size != n) fail(o.path(), "has columns of different lengths");
    std::vector<moe::WhatIfToken> out(n);
    for (size_t i = 0; i < n; ++i) {
        checkRange(indexed(o.where("target"), i), target[i], 0, kMaxTokenId - 1);
        checkRange(indexed(o.where("greedy_baseline"), i), greedy_b[i], 0, kMaxTokenId - 1);
        checkRange(indexed(o.where("greedy_what_if"), i), greedy_w[i], 0, kMaxTokenId - 1);
        checkRange(indexed(o.where("routing_changed"), i), changed[i], 0, 1);
        if (kl[i] < 0) fail(indexed(o.where("kl"), i), "is negative");
        if (flops_base[i] < 0 || bytes_base[i] < 0) fail(indexed(o.where("flops_baseline"), i), "is negative");
        out[i] = {pos[i], 0,        target[i], kl[i],         delta[i],     greedy_b[i],
                  greedy_w[i], changed[i] == 1, flops[i], bytes[i], flops_base[i], bytes_base[i]};
    }
    return out;
}

moe::RunRecord runFromJson(const JsonFields& o, int index) {
    moe::RunRecord r;
    const std::string kind = o.text("kind");
    if (kind != "generation" && kind != "what_if") fail(o.where("kind"), "is '" + kind + "' (allowed generation, what_if)");
    r.kind = kind == "what_if" ? moe::RunKind::WhatIf : moe::RunKind::Generation;
    r.model_path = o.text("model_path");
    r.model_name = o.text("model_name");
    r.prompt = o.text("prompt");
    const JsonFields sampling = o.object("sampling");
    r.sampling.temperature = static_cast<float>(sampling.real("temperature"));
    r.sampling.top_k = sampling.integer("top_k");
    r.sampling.top_p = static_cast<float>(sampling.real("top_p"));
    r.sampling.seed = static_cast<uint64_t>(sampling.int64("seed"));
    const std::vector<int> tokens = o.integers("tokens");
    checkRange(o.where("tokens") + " (count)", static_cast<int64_t>(tokens.size()), 0, kMaxRunTokens);
    for (size_t i = 0; i < tokens.size(); ++i)
        checkRange(indexed(o.where("tokens"), i), tokens[i], 0, kMaxTokenId - 1);
    r.tokens.assign(tokens.begin(), tokens.end());
    r.n_prompt = o.integer("n_prompt");
    r.baseline = o.integer("baseline");
    r.texts = textsFromJson(o.object("texts"));
    r.routing = routingFromJson(o.object("routing"), r.tokens, r.texts);
    r.overrides = overridesFromJson(o.object("overrides"), r.routing.n_expert);
    r.what_if = whatIfFromJson(o.object("what_if"));
    for (size_t i = 0; i < r.what_if.size() && i < r.tokens.size(); ++i) r.what_if[i].token_id = r.tokens[i];
    try {
        moe::check_run_record(r, index);
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(std::string("session file: ") + e.what());
    }
    return r;
}

}  // namespace

QJsonObject overridesToJson(const moe::RoutingOverrides& o) {
    QJsonArray disabled;
    for (const auto& [layer, expert] : o.disabled) disabled << layer << expert;
    return {{"top_k", o.top_k}, {"dense", o.dense}, {"disabled", disabled}};
}

moe::RoutingOverrides overridesFromJson(const JsonFields& o, int n_expert) {
    moe::RoutingOverrides out;
    out.top_k = o.integer("top_k");
    checkRange(o.where("top_k"), out.top_k, 0, n_expert);
    out.dense = o.boolean("dense");
    const std::vector<int> disabled = o.integers("disabled");
    if (disabled.size() % 2 != 0) fail(o.where("disabled"), "does not hold (layer, expert) pairs");
    for (size_t i = 0; i < disabled.size(); i += 2) {
        checkRange(indexed(o.where("disabled"), i), disabled[i], 0, kMaxSessionLayers - 1);
        checkRange(indexed(o.where("disabled"), i + 1), disabled[i + 1], 0, n_expert - 1);
        out.disabled.insert({disabled[i], disabled[i + 1]});
    }
    return out;
}

QJsonObject textsToJson(const std::map<int32_t, std::string>& texts) {
    QJsonArray ids, lengths;
    QByteArray bytes;
    for (const auto& [id, text] : texts) {
        ids << id;
        lengths << static_cast<int>(text.size());
        bytes.append(text.data(), static_cast<qsizetype>(text.size()));
    }
    return {{"ids", ids}, {"lengths", lengths}, {"bytes", toBase64(bytes)}};
}

std::map<int32_t, std::string> textsFromJson(const JsonFields& o) {
    const std::vector<int> ids = o.integers("ids"), lengths = o.integers("lengths");
    const std::string bytes = o.base64("bytes");
    if (ids.size() != lengths.size()) fail(o.path(), "has ids and lengths of different counts");
    std::map<int32_t, std::string> texts;
    size_t offset = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
        checkRange(indexed(o.where("lengths"), i), lengths[i], 0, kMaxTokenBytes);
        if (offset + static_cast<size_t>(lengths[i]) > bytes.size()) fail(o.where("bytes"), "is shorter than its lengths");
        texts[ids[i]] = bytes.substr(offset, static_cast<size_t>(lengths[i]));
        offset += static_cast<size_t>(lengths[i]);
    }
    if (offset != bytes.size()) fail(o.where("bytes"), "is longer than its lengths");
    return texts;
}

QJsonArray runsToJson(const std::vector<moe::RunRecord>& runs) {
    QJsonArray out;
    for (const moe::RunRecord& r : runs) out.append(runToJson(r));
    return out;
}

std::vector<moe::RunRecord> runsFromJson(const std::vector<JsonFields>& runs) {
    checkRange("runs (count)", static_cast<int64_t>(runs.size()), 0, kMaxSessionRuns);
    std::vector<moe::RunRecord> out;
    for (size_t i = 0; i < runs.size(); ++i) out.push_back(runFromJson(runs[i], static_cast<int>(i)));
    return out;
}

}  // namespace moe::gui
