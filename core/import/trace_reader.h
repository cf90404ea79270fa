// Reads a routing trace from any supported file into a RoutingTable (core/analysis), picking
// the format from the extension and, failing that, the first bytes.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

#include "analysis/routing_table.h"

namespace moe::import {

// A file that cannot be read as a trace; the message names the file (and line) and the problem.
class TraceError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct TraceReadOptions {
    int n_expert = 0;  // routed experts per layer; 0: the largest id seen + 1
    // Set from another thread (Ctrl+C) to stop at the last complete token read so far.
    const std::atomic<bool>* cancel = nullptr;
    // Called now and then with the bytes read so far and the file size.
    std::function<void(uint64_t done, uint64_t total)> progress;
};

// Throws TraceError.
analysis::RoutingTable read_trace(const std::string& path, const TraceReadOptions& options = {});

}  // namespace moe::import
