// Reads a routing trace from any supported file into a RoutingTable (core/analysis), picking
// the format from the extension and, failing that, the first bytes: our routing CSV, NumPy
// .npz/.npy (import/npz_trace.h), a vLLM response .json (import/vllm_json.h).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

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
    // Where the MoE layers are (import/trace_layout.h): a model's MoE blocks, or the block of
    // MoE layer 0 and the step between MoE blocks; neither keeps the trace's own numbering.
    std::vector<int> moe_layers;
    int first_moe_layer = -1;
    int moe_layer_interval = 1;
    std::string model_name;  // used when the trace names no model
};

// Throws std::runtime_error (TraceError for our CSV) naming the file and the problem, or
// ReadCancelled.
analysis::RoutingTable read_trace(const std::string& path, const TraceReadOptions& options = {});

}  // namespace moe::import
