#include "trace/routing_trace.h"

#include <cmath>
#include <cstdio>

#include "tokenizer/utf8.h"

namespace moe {

namespace {

constexpr const char* kRoutingColumns = "step,pos,token_id,token_text,layer,rank,expert,weight,prob,score";

// One row per layer × chosen expert; `tail` (",doc,domain" or nothing) ends every row.
void append_rows(std::string& out, const TokenTrace& trace, const std::string& tail);

}  // namespace

std::string routing_csv_header() { return std::string(kRoutingColumns) + "\n"; }
std::string routing_csv_header_with_documents() { return std::string(kRoutingColumns) + ",doc,domain\n"; }

std::string format_float(double v) {
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    if (std::isnan(v)) return "nan";
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.9g", v);
    return buffer;
}

std::string csv_escape(const std::string& field) {
    if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
    std::string quoted = "\"";
    for (char ch : field) {
        if (ch == '"') quoted += '"';
        quoted += ch;
    }
    return quoted + "\"";
}

std::string escape_token_text(const std::string& bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (size_t pos = 0; pos < bytes.size();) {
        const utf8::CharScan scan = utf8::scan_char(bytes, pos);
        if (scan.status == utf8::Status::Valid) {
            if (bytes[pos] == '\\') {
                out += "\\\\";
            } else {
                out.append(bytes, pos, scan.length);
            }
        } else {
            for (size_t i = pos; i < pos + scan.length; ++i) {
                char hex[5];
                std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned char>(bytes[i]));
                out += hex;
            }
        }
        pos += scan.length;
    }
    return out;
}

void append_routing_csv(std::string& out, const TokenTrace& trace) { append_rows(out, trace, {}); }

void append_routing_csv(std::string& out, const TokenTrace& trace, int doc, const std::string& domain) {
    std::string tail = ",";
    tail += std::to_string(doc);
    tail += ',';
    tail += csv_escape(domain);
    append_rows(out, trace, tail);
}

namespace {

void append_rows(std::string& out, const TokenTrace& trace, const std::string& tail) {
    const std::string prefix = std::to_string(trace.step) + "," + std::to_string(trace.pos) + "," +
                               std::to_string(trace.token_id) + "," + csv_escape(escape_token_text(trace.text)) + ",";
    for (const LayerRouting& layer : trace.moe_layers) {
        for (size_t rank = 0; rank < layer.experts.size(); ++rank) {
            const int expert = layer.experts[rank];
            out += prefix;
            out += std::to_string(layer.layer) + "," + std::to_string(rank) + "," + std::to_string(expert) + ",";
            out += format_float(layer.weights[rank]) + "," + format_float(layer.probs[expert]) + "," +
                   format_float(layer.scores[expert]) + tail + "\n";
        }
    }
}

}  // namespace

}  // namespace moe
