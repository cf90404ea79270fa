#include "shared_options.h"

#include <filesystem>
#include <unistd.h>

namespace moe::cli {

namespace {

std::atomic<bool> g_interrupted{false};

void on_interrupt(int) { g_interrupted = true; }

}  // namespace

RoutingOverrides routing_overrides(const Arguments& arguments) {
    RoutingOverrides overrides;
    overrides.top_k = arguments.integer("--experts", 0);
    overrides.dense = arguments.has("--dense");
    for (const std::string& pair : arguments.all("--disable-expert")) {
        const auto colon = pair.find(':');
        if (colon == std::string::npos) throw UsageError("--disable-expert expects LAYER:EXPERT, got '" + pair + "'");
        try {
            overrides.disabled.insert({std::stoi(pair.substr(0, colon)), std::stoi(pair.substr(colon + 1))});
        } catch (const std::exception&) {
            throw UsageError("--disable-expert expects LAYER:EXPERT, got '" + pair + "'");
        }
    }
    return overrides;
}

void check_writable(const std::optional<std::string>& path) {
    if (!path) return;
    std::filesystem::path parent = std::filesystem::path(*path).parent_path();
    if (parent.empty()) parent = ".";
    if (!std::filesystem::is_directory(parent))
        throw EngineError("cannot write '" + *path + "': folder '" + parent.string() + "' does not exist");
    if (::access(parent.c_str(), W_OK) != 0)
        throw EngineError("cannot write '" + *path + "': folder '" + parent.string() + "' is not writable");
}

InterruptFlag::InterruptFlag() {
    g_interrupted = false;
    previous_ = std::signal(SIGINT, on_interrupt);
}

InterruptFlag::~InterruptFlag() { std::signal(SIGINT, previous_); }

const std::atomic<bool>* InterruptFlag::flag() const { return &g_interrupted; }

bool InterruptFlag::raised() const { return g_interrupted; }

}  // namespace moe::cli
