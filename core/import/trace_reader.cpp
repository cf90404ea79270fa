#include "import/trace_reader.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "import/npz_trace.h"
#include "import/routing_csv.h"
#include "import/trace_layout.h"
#include "import/vllm_json.h"

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
    analysis::RoutingTable table;
    if (extension == ".csv" || looks_like_routing_csv(start)) {
        table = read_routing_csv(path, options);
    } else if (extension == ".npz" || start.substr(0, 4) == std::string_view("PK\x03\x04", 4)) {
        table = read_npz_trace(path, options.progress);
    } else if (extension == ".npy" || start.substr(0, 6) == "\x93NUMPY") {
        table = read_npy_trace(path, options.progress);
    } else if (extension == ".json" || start.substr(0, 1) == "{") {
        table = read_vllm_response(path, options.progress);
    } else {
        throw TraceError("'" + path + "': unknown trace format (expected a routing CSV starting with 'step,pos,token_id', "
                         ".npz, .npy or a vLLM response .json)");
    }
    TraceLayout layout;
    layout.moe_layers = options.moe_layers;
    layout.n_expert = options.n_expert;
    layout.model_name = options.model_name;
    layout.first_moe_layer = options.first_moe_layer;
    layout.interval = options.moe_layer_interval;
    apply_layout(table, layout, path);
    return table;
}

}  // namespace moe::import
