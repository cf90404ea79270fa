// Routing traces as NumPy .npz, the bridge to every Python framework. The schema (README,
// "Models too big for this machine"); every array little-endian, C order:
//   experts     int   [tokens, moe_layers, k]   expert ids in [0, n_experts), rank order (required)
//   weights     float [tokens, moe_layers, k]   output weight of each chosen expert
//   probs       float [tokens, moe_layers, n_experts]  router probabilities
//   token_ids   int   [tokens]                  -1 = unknown
//   positions   int   [tokens]                  position in its run (default: index since the run's start)
//   token_texts bytes [tokens]                  raw token bytes (|S), or unicode (<U); trailing NULs
//                                               are padding (NumPy strips them), so never stored
//   layers      int   [moe_layers]              block index of each MoE layer (default 0..L-1)
//   seq_starts  int   [runs]                    first token of each run (default [0])
//   n_experts   int   0-d                       default: probs' last axis, else the largest id + 1
//   model       str   0-d (<U or |S)            model name
// i.e. exactly what np.savez(file, experts=..., n_experts=256, model="DeepSeek-V3") writes.
// Other entries are ignored. A plain .npy holds `experts` alone.
#pragma once

#include <string>

#include "analysis/routing_table.h"
#include "import/read_progress.h"

namespace moe::import {

// Throws std::runtime_error("PATH: problem") on anything malformed (one line) and
// ReadCancelled when `progress` says stop; never returns a partial table.
analysis::RoutingTable read_npz_trace(const std::string& path, const ReadProgress& progress = {});
analysis::RoutingTable read_npy_trace(const std::string& path, const ReadProgress& progress = {});

// The .npz bytes of `table` (deflated entries when `compress`); throws std::invalid_argument
// when a chosen set is smaller than max_k (the schema has no padding).
std::string npz_trace_bytes(const analysis::RoutingTable& table, bool compress);
// Writes it atomically (core/util/atomic_file.h).
void write_npz_trace(const std::string& path, const analysis::RoutingTable& table, bool compress);

}  // namespace moe::import
