#include "option_checks.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <ostream>
#include <thread>
#include <unistd.h>

namespace moe::cli {

namespace {

[[noreturn]] void out_of_range(const std::string& flag, const std::string& value, const std::string& allowed) {
    throw UsageError(flag + " " + value + " is out of range (allowed: " + allowed + ")");
}

std::pair<int, int> layer_expert(const std::string& pair) {
    const auto colon = pair.find(':');
    char* end = nullptr;
    if (colon != std::string::npos) {
        errno = 0;
        const long layer = std::strtol(pair.c_str(), &end, 10);
        const bool layer_ok = end == pair.c_str() + colon && colon > 0;
        const long expert = std::strtol(pair.c_str() + colon + 1, &end, 10);
        const bool expert_ok = *end == '\0' && end != pair.c_str() + colon + 1;
        const bool fits = errno == 0 && std::abs(layer) < (1L << 30) && std::abs(expert) < (1L << 30);
        if (layer_ok && expert_ok && fits) return {static_cast<int>(layer), static_cast<int>(expert)};
    }
    throw UsageError("--disable-expert expects LAYER:EXPERT, got '" + pair + "'");
}

std::string moe_layer_list(const ModelInfo& model) {
    if (model.moe_layers.empty()) return "none: the model has no MoE layers";
    const bool contiguous = model.moe_layers.back() - model.moe_layers.front() + 1 ==
                            static_cast<int>(model.moe_layers.size());
    if (contiguous) return std::to_string(model.moe_layers.front()) + " to " + std::to_string(model.moe_layers.back());
    std::string list;
    for (int l : model.moe_layers) list += (list.empty() ? "" : ", ") + std::to_string(l);
    return list;
}

}  // namespace

int checked_integer(const Arguments& arguments, const std::string& flag, int fallback, int lo, int hi,
                    const std::string& allowed) {
    const int value = arguments.integer(flag, fallback);
    if (arguments.has(flag) && (value < lo || value > hi)) out_of_range(flag, *arguments.text(flag), allowed);
    return value;
}

int thread_count(const Arguments& arguments) {
    const int hardware = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return checked_integer(arguments, "--threads", 0, 1, 4 * hardware,
                           "1 to " + std::to_string(4 * hardware) + ", 4 x " + std::to_string(hardware) +
                               " hardware threads");
}

SamplingParams sampling_options(const Arguments& arguments) {
    SamplingParams sampling;
    const double temperature = arguments.real("--temp", 0.0);
    // Written so that NaN fails too.
    if (!(temperature >= 0 && std::isfinite(temperature))) out_of_range("--temp", *arguments.text("--temp"), "0 or more");
    const double top_p = arguments.real("--top-p", 1.0);
    if (!(top_p > 0 && top_p <= 1)) out_of_range("--top-p", *arguments.text("--top-p"), "more than 0, up to 1");
    sampling.temperature = static_cast<float>(temperature);
    sampling.top_p = static_cast<float>(top_p);
    sampling.top_k = checked_integer(arguments, "--top-k", 0, 0, std::numeric_limits<int>::max(), "0 or more");
    sampling.seed = static_cast<uint64_t>(arguments.integer("--seed", 0));
    return sampling;
}

RoutingOverrides routing_overrides(const Arguments& arguments, const ModelInfo& model) {
    RoutingOverrides overrides;
    overrides.dense = arguments.has("--dense");
    if (arguments.has("--experts") && model.n_expert == 0) {
        out_of_range("--experts", *arguments.text("--experts"), "none: the model has no experts");
    }
    overrides.top_k = checked_integer(arguments, "--experts", 0, 1, model.n_expert,
                                      "1 to " + std::to_string(model.n_expert) + ", the model's experts");
    std::map<int, int> disabled_per_layer;
    for (const std::string& pair : arguments.all("--disable-expert")) {
        const auto [layer, expert] = layer_expert(pair);
        if (std::find(model.moe_layers.begin(), model.moe_layers.end(), layer) == model.moe_layers.end()) {
            throw UsageError("--disable-expert " + pair + ": layer " + std::to_string(layer) +
                             " is not a MoE layer (allowed: " + moe_layer_list(model) + ")");
        }
        if (expert < 0 || expert >= model.n_expert) {
            throw UsageError("--disable-expert " + pair + ": expert " + std::to_string(expert) +
                             " is out of range (allowed: 0 to " + std::to_string(model.n_expert - 1) + ")");
        }
        if (overrides.disabled.insert({layer, expert}).second) ++disabled_per_layer[layer];
    }
    // The router needs k experts that are still allowed in every layer.
    const int k = overrides.dense ? 1 : overrides.top_k > 0 ? overrides.top_k : model.n_expert_used;
    for (const auto& [layer, count] : disabled_per_layer) {
        if (model.n_expert - count < k) {
            throw UsageError("--disable-expert: layer " + std::to_string(layer) + " keeps " +
                             std::to_string(model.n_expert - count) + " of " + std::to_string(model.n_expert) +
                             " experts, fewer than the " + std::to_string(k) + " it routes each token to");
        }
    }
    return overrides;
}

int context_length(const Arguments& arguments, const ModelInfo& model, std::ostream& err) {
    if (!arguments.has("--ctx")) return 0;
    const bool override_limit = arguments.has("--ctx-override");
    const int limit = override_limit || model.n_ctx_train <= 0 ? std::numeric_limits<int>::max() : model.n_ctx_train;
    const int n_ctx = checked_integer(arguments, "--ctx", 0, 1, limit,
                                      "1 to " + std::to_string(model.n_ctx_train) +
                                          ", the training context; --ctx-override allows more");
    if (model.n_ctx_train > 0 && n_ctx > model.n_ctx_train) {
        err << "warning: --ctx " << n_ctx << " is beyond the model's training context " << model.n_ctx_train
            << "; output past it is unreliable\n";
    }
    return n_ctx;
}

void check_output_paths(const Arguments& arguments, const std::vector<std::string>& flags) {
    namespace fs = std::filesystem;
    for (const std::string& flag : flags) {
        const auto path = arguments.text(flag);
        if (!path) continue;
        const auto fail = [&](const std::string& why) {
            throw UsageError(flag + ": cannot write '" + *path + "': " + why);
        };
        std::error_code ec;
        if (path->empty()) fail("the path is empty");
        if (path->back() == '/' || fs::is_directory(*path, ec)) fail("it is a folder");
        if (fs::exists(*path, ec) && !fs::is_regular_file(*path, ec)) fail("it is not a regular file");
        fs::path folder = fs::path(*path).parent_path();
        if (folder.empty()) folder = ".";
        if (!fs::is_directory(folder, ec)) fail("folder '" + folder.string() + "' does not exist");
        // Creating the temporary file the atomic write will use is the only test that holds
        // for every case (root ignores permission bits; /proc takes no new files).
        std::string probe = *path + ".tmp-XXXXXX";
        const int fd = mkstemp(probe.data());
        if (fd < 0) fail("folder '" + folder.string() + "' takes no new files: " + std::strerror(errno));
        ::close(fd);
        ::unlink(probe.c_str());
    }
}

}  // namespace moe::cli
