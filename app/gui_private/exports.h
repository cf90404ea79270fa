// File exports. The routing CSV is built by the engine's own writer so it is byte-identical to
// `moescope-cli run --routing-csv`; every file is written atomically.
#pragma once

#include <QByteArray>
#include <QString>

#include <string>
#include <vector>

#include "trace/routing_trace.h"

namespace moe::gui {

std::string routingCsv(const std::vector<moe::TokenTrace>& tokens);
// step,pos,token_id,phase,total_ms,layer_0_ms,...,layer_{n-1}_ms
std::string latencyCsv(const std::vector<moe::TokenTrace>& tokens, int n_layer);

// Writes through moe::write_file_atomically; returns an empty string or the error to show.
QString writeFileAtomically(const QString& path, const QByteArray& data);
QString writeFileAtomically(const QString& path, const std::string& data);

}  // namespace moe::gui
