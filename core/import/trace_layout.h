// What an imported trace does not say and a model does: which transformer block each MoE
// layer is, how many experts there are, and the text of each token id. Engines such as vLLM
// number MoE layers 0..L-1; `-m MODEL.gguf`, or `--first-moe-layer N [--moe-layer-interval I]`,
// maps them to blocks, and `--tokenizer MODEL.gguf` decodes the ids.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "analysis/routing_table.h"

namespace moe::import {

struct TraceLayout {
    std::vector<int> moe_layers;  // a model's MoE blocks; empty = not given
    int n_expert = 0;             // a model's routed experts; 0 = not given
    std::string model_name;       // used when the trace names no model
    int first_moe_layer = -1;     // -1 = not given
    int interval = 1;
};

// Throws std::runtime_error("PATH: problem") when the trace does not fit the model (another
// MoE layer count, an expert id >= the model's n_expert).
void apply_layout(analysis::RoutingTable& table, const TraceLayout& layout, const std::string& path);

// Fills table.texts from the token ids (-1 stays ""); an id >= vocab_size is an error.
void decode_token_texts(analysis::RoutingTable& table, int32_t vocab_size,
                        const std::function<std::string(int32_t)>& token_bytes, const std::string& path);

}  // namespace moe::import
