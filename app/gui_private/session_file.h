// Saving and opening a whole session (model description, request, text, full trace) as JSON,
// so it can be studied later without the model. Float arrays are stored as base64 float32
// (little-endian) so every value, -inf scores included, comes back bit for bit.
#pragma once

#include <QByteArray>
#include <QString>

#include "gui_private/trace_store.h"

namespace moe::gui {

QByteArray serializeSession(const SessionDocument& doc);
// Throws std::runtime_error with a readable message for anything that is not a valid session.
SessionDocument parseSession(const QByteArray& json);

// File helpers: atomic write; both return an empty string on success, else the error to show.
QString saveSession(const SessionDocument& doc, const QString& path);
QString openSession(const QString& path, SessionDocument* doc);

}  // namespace moe::gui
