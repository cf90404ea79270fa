// The session's run history in the session file: each run's request, tokens, chosen experts
// (base64 uint16, little-endian) and what-if results. Reading checks every count and id
// before a RunRecord exists, then the record's own consistency (moe::check_run_record).
#pragma once

#include <QJsonArray>

#include <map>
#include <string>
#include <vector>

#include "evaluation/run_record.h"
#include "gui_private/json_fields.h"

namespace moe::gui {

inline constexpr int kMaxSessionRuns = 10000;
inline constexpr size_t kMaxTokenBytes = 1024;

// Token texts by id: ids, byte lengths and the bytes concatenated (base64).
QJsonObject textsToJson(const std::map<int32_t, std::string>& texts);
std::map<int32_t, std::string> textsFromJson(const JsonFields& o);

// Top-k, dense mode and the disabled (layer, expert) pairs; reading checks the ranges.
QJsonObject overridesToJson(const moe::RoutingOverrides& overrides);
moe::RoutingOverrides overridesFromJson(const JsonFields& o, int n_expert);

QJsonArray runsToJson(const std::vector<moe::RunRecord>& runs);
// Throws std::runtime_error naming the field: "session file: runs[2].routing.experts ...".
std::vector<moe::RunRecord> runsFromJson(const std::vector<JsonFields>& runs);

}  // namespace moe::gui
