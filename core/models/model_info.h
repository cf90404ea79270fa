// What a loaded model is, for the CLI's `info` and the app's model card.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace moe {

struct ModelInfo {
    std::string path;
    std::string name;          // general.name, or the file name
    std::string architecture;  // general.architecture
    uint64_t file_size = 0;
    int n_layer = 0, n_embd = 0, n_head = 0, n_head_kv = 0, n_vocab = 0, n_ctx_train = 0;
    int n_expert = 0, n_expert_used = 0;
    int n_expert_shared = 0;      // shared experts (deepseek2: S; qwen2moe: 1, gated)
    int expert_ffn = 0, shared_ffn = 0, dense_ffn = 0;
    int n_leading_dense = 0;
    std::vector<int> moe_layers;  // block indices with a router
    std::string gating;           // "softmax" or "sigmoid"
    bool weights_normalized = false;
    float weights_scale = 1.0f;
    int n_group = 0, n_group_used = 0;
    bool has_selection_bias = false;
    bool has_shared_gate = false;  // qwen2moe
    std::string attention;         // "MLA (q-LoRA 1536, kv latent 512)" / "GQA 32/4" ...
    std::string blocks;            // the blocks' kinds: "12 × (MoE, sliding window; MoE)"
    std::string multipliers;       // Granite: "embeddings ×12, residual branches ×0.22, logits ÷6"; else empty
    int64_t params_total = 0;           // every weight element in the file
    int64_t params_active = 0;          // elements one decode token multiplies (token_embd: one row)
    std::map<std::string, int64_t> params_by_type;  // type name -> elements
    int64_t kv_bytes_per_token = 0;      // what our F32 cache stores per token (all layers)
    int64_t kv_bytes_per_token_mha = 0;  // full multi-head K/V in F32, for comparison
    std::string tokenizer;               // "gpt2 / deepseek-llm"
    bool weights_in_huge_pages = false;  // copied into 2 MiB pages (WeightMemory), else read through the mapping
    int tensors_in_row_groups = 0;       // weights whose rows the copy stores 16 at a time (quant/row_groups.h)
};

}  // namespace moe
