#include "gui_private/exports.h"

#include <QFile>

#include <stdexcept>

#include "util/atomic_file.h"

namespace moe::gui {

std::string routingCsv(const std::vector<moe::TokenTrace>& tokens) {
    std::string out = moe::routing_csv_header();
    for (const auto& t : tokens) moe::append_routing_csv(out, t);
    return out;
}

std::string latencyCsv(const std::vector<moe::TokenTrace>& tokens, int n_layer) {
    std::string out = "step,pos,token_id,phase,total_ms";
    for (int l = 0; l < n_layer; ++l) out += ",layer_" + std::to_string(l) + "_ms";
    out += '\n';
    for (const auto& t : tokens) {
        out += std::to_string(t.step) + ',' + std::to_string(t.pos) + ',' + std::to_string(t.token_id) + ',' +
               (t.is_prompt ? "prefill" : "decode") + ',' + moe::format_float(t.total_ms);
        for (int l = 0; l < n_layer; ++l) {
            out += ',';
            if (static_cast<size_t>(l) < t.layer_time_ms.size()) out += moe::format_float(t.layer_time_ms[static_cast<size_t>(l)]);
        }
        out += '\n';
    }
    return out;
}

QString writeFileAtomically(const QString& path, const std::string& data) {
    try {
        moe::write_file_atomically(QFile::encodeName(path).toStdString(), data);
        return {};
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
}

QString writeFileAtomically(const QString& path, const QByteArray& data) {
    return writeFileAtomically(path, std::string(data.constData(), static_cast<size_t>(data.size())));
}

}  // namespace moe::gui
