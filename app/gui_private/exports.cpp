#include "gui_private/exports.h"

#include <QAbstractItemModel>
#include <QFile>

#include <stdexcept>

#include "gui_private/routing_models.h"
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

std::string tableCsv(const QAbstractItemModel& model) {
    std::string csv;
    const auto add = [&csv](const QVariant& v, bool last) {
        const std::string text = v.typeId() == QMetaType::Double ? moe::format_float(v.toDouble()) : v.toString().toStdString();
        csv += moe::csv_escape(text) + (last ? "\n" : ",");
    };
    const int columns = model.columnCount();
    for (int c = 0; c < columns; ++c) add(model.headerData(c, Qt::Horizontal, Qt::DisplayRole), c + 1 == columns);
    for (int r = 0; r < model.rowCount(); ++r)
        for (int c = 0; c < columns; ++c) {
            const QModelIndex index = model.index(r, c);
            const QVariant value = index.data(ValueRole);
            add(value.isValid() ? value : index.data(Qt::DisplayRole), c + 1 == columns);
        }
    return csv;
}

QString writeFileAtomically(const QString& path, const QByteArray& data) {
    return writeFileAtomically(path, std::string(data.constData(), static_cast<size_t>(data.size())));
}

}  // namespace moe::gui
