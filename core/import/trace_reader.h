// Reads a routing trace from any supported file into a RoutingTable (core/analysis), picking
// the format from the extension and, failing that, the first bytes: our routing CSV, NumPy
// .npz/.npy (import/npz_trace.h), a vLLM response .json (import/vllm_json.h).
#pragma once

#include <stdexcept>
#include <string>

#include "analysis/routing_table.h"
#include "import/read_progress.h"

namespace moe::import {

// A file that cannot be read as a trace; the message names the file (and line) and the problem.
class TraceError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct TraceReadOptions {
    int n_expert = 0;  // routed experts per layer (ids above are errors); 0: the largest id + 1
    ReadProgress progress;  // returning false stops the read with ReadCancelled
};

// Throws std::runtime_error (TraceError for our CSV) naming the file and the problem, or
// ReadCancelled.
analysis::RoutingTable read_trace(const std::string& path, const TraceReadOptions& options = {});

}  // namespace moe::import
