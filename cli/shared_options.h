// Ctrl+C for the subcommands that run long; their options are checked in option_checks.h.
#pragma once

#include <atomic>
#include <csignal>
#include <optional>
#include <string>

#include "arguments.h"
#include "engine/engine.h"

namespace moe::cli {

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
