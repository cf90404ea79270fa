// A corpus profile in the session file: its routing table (token ids, positions, sequences and
// domains as base64 little-endian integers, domain names, token texts by id, chosen experts as
// base64 uint16). Reading checks every count against the model and the table's own consistency.
#pragma once

#include <QJsonObject>

#include <memory>

#include "analysis/routing_table.h"
#include "engine/engine.h"
#include "gui_private/json_fields.h"

namespace moe::gui {

QJsonObject profileToJson(const moe::analysis::RoutingTable& profile);
// Throws std::runtime_error naming the field: "session file: profile.experts ...".
std::shared_ptr<const moe::analysis::RoutingTable> profileFromJson(const JsonFields& o, const moe::ModelInfo& model);

}  // namespace moe::gui
