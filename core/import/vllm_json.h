// A vLLM /v1/completions or /v1/chat/completions response saved to a file, from a server
// started with --enable-return-routed-experts:
//   prompt_routed_experts      [prompt_len, num_moe_layers, top_k]  (response level)
//   choices[i].routed_experts  [gen_len, num_moe_layers, top_k]
//   prompt_token_ids, choices[i].token_ids  (when requested with return_token_ids)
// Each choice becomes one run (sequence): the prompt's tokens, then that choice's tokens.
// MoE layers come out as 0..L-1 and n_expert as the largest id + 1; the caller maps them to
// a model's blocks and experts (import/trace_layout.h). Parsed with a SAX handler, so memory
// grows with the ids at 2 bytes each, never with a JSON tree.
#pragma once

#include <string>

#include "analysis/routing_table.h"
#include "import/read_progress.h"

namespace moe::import {

// Throws std::runtime_error("PATH: problem") (one line) on invalid JSON, shapes that
// disagree, ids out of range, or a response without routed experts (with the vLLM flag to
// set); ReadCancelled when `progress` says stop.
analysis::RoutingTable read_vllm_response(const std::string& path, const ReadProgress& progress = {});

}  // namespace moe::import
