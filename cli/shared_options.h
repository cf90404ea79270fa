// Pieces several subcommands share: routing what-if options, output-path checks and Ctrl+C.
#pragma once

#include <atomic>
#include <csignal>
#include <optional>
#include <string>

#include "arguments.h"
#include "engine/engine.h"

namespace moe::cli {

// --experts K, --disable-expert LAYER:EXPERT (repeatable), --dense.
RoutingOverrides routing_overrides(const Arguments& arguments);

// Fails before the work, not after it, when an output's folder is missing or read-only.
void check_writable(const std::optional<std::string>& path);

// While alive, SIGINT sets flag() instead of killing the process, so long work can stop
// cleanly and still write its outputs; the previous handler comes back on destruction.
class InterruptFlag {
public:
    InterruptFlag();
    ~InterruptFlag();
    InterruptFlag(const InterruptFlag&) = delete;
    InterruptFlag& operator=(const InterruptFlag&) = delete;
    const std::atomic<bool>* flag() const;
    bool raised() const;

private:
    void (*previous_)(int);
};

}  // namespace moe::cli
