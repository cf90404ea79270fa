#include "import/trace_reader.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "import/routing_csv.h"

namespace moe::import {

namespace {

std::string lowercase_extension(const std::string& path) {
    std::string extension = std::filesystem::path(path).extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return extension;
}

}  // namespace

analysis::RoutingTable read_trace(const std::string& path, const TraceReadOptions& options) {
    std::ifstream file(path, std::ios::binary);
    if (!file) throw TraceError("cannot open '" + path + "': " + std::strerror(errno));
    if (std::filesystem::is_directory(path)) throw TraceError("'" + path + "' is a folder, not a trace file");
    char head[64] = {};
    file.read(head, sizeof head - 1);
    const std::string_view start(head, static_cast<size_t>(file.gcount()));
    const std::string extension = lowercase_extension(path);
    if (extension == ".csv" || looks_like_routing_csv(start)) return read_routing_csv(path, options);
    throw TraceError("'" + path + "': unknown trace format (expected a routing CSV starting with 'step,pos,token_id')");
}

}  // namespace moe::import
