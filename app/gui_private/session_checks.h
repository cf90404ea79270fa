// The limits a session file must respect before the store sees it. Session files are shared
// between people, so they are untrusted: every count is bounded, every size agrees with the
// counts it depends on, every layer and expert id exists in the model description, every float
// is finite where the engine never writes anything else, every string has a sane length.
#pragma once

#include "gui_private/trace_store.h"

namespace moe::gui {

// Bounds well above every published MoE model (DeepSeek-V3: 61 layers, 256 experts).
inline constexpr int kMaxSessionLayers = 1024;
inline constexpr int kMaxSessionExperts = 4096;

// Throws std::runtime_error with the first problem, naming the field and its value:
// "session file: tokens[3].moe_layers[0].experts[1] is 999 (allowed 0 to 63)".
void validateSession(const SessionDocument& doc);

}  // namespace moe::gui
