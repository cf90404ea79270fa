#include "models/tensor_names.h"

#include <string_view>

namespace moe {

namespace {

struct NamePattern {
    TensorRole role;
    std::string_view suffix;  // after "blk.<i>." for block tensors
    bool per_layer;
    // Only ever multiplied whole by matvec/matmul, so its rows may be stored in groups
    // (quant/row_groups.h); not the embedding, sliced or transposed matrices, or llama.cpp's
    // per-head 3-D products (attn_k_b, attn_v_b), which it does not repack either.
    bool groupable = false;
};

constexpr NamePattern kNames[] = {
    {TensorRole::TokenEmbd, "token_embd.weight", false},
    {TensorRole::OutputNorm, "output_norm.weight", false},
    {TensorRole::Output, "output.weight", false, true},
    {TensorRole::RopeFreqs, "rope_freqs.weight", false},
    {TensorRole::AttnNorm, "attn_norm.weight", true},
    {TensorRole::AttnQ, "attn_q.weight", true, true},
    {TensorRole::AttnK, "attn_k.weight", true, true},
    {TensorRole::AttnV, "attn_v.weight", true, true},
    {TensorRole::AttnQkv, "attn_qkv.weight", true},
    {TensorRole::AttnOutput, "attn_output.weight", true, true},
    {TensorRole::AttnQBias, "attn_q.bias", true},
    {TensorRole::AttnKBias, "attn_k.bias", true},
    {TensorRole::AttnVBias, "attn_v.bias", true},
    {TensorRole::AttnQNorm, "attn_q_norm.weight", true},
    {TensorRole::AttnKNorm, "attn_k_norm.weight", true},
    {TensorRole::AttnOutputBias, "attn_output.bias", true},
    {TensorRole::AttnSinks, "attn_sinks.weight", true},
    {TensorRole::AttnQA, "attn_q_a.weight", true, true},
    {TensorRole::AttnQANorm, "attn_q_a_norm.weight", true},
    {TensorRole::AttnQB, "attn_q_b.weight", true, true},
    {TensorRole::AttnKvAMqa, "attn_kv_a_mqa.weight", true, true},
    {TensorRole::AttnKvANorm, "attn_kv_a_norm.weight", true},
    {TensorRole::AttnKvB, "attn_kv_b.weight", true},
    {TensorRole::AttnKB, "attn_k_b.weight", true},
    {TensorRole::AttnVB, "attn_v_b.weight", true},
    {TensorRole::FfnNorm, "ffn_norm.weight", true},
    {TensorRole::AttnPostNorm, "post_attention_norm.weight", true},
    {TensorRole::FfnGate, "ffn_gate.weight", true, true},
    {TensorRole::FfnUp, "ffn_up.weight", true, true},
    {TensorRole::FfnDown, "ffn_down.weight", true, true},
    {TensorRole::FfnGateInp, "ffn_gate_inp.weight", true},
    {TensorRole::ExpProbsB, "exp_probs_b.bias", true},
    {TensorRole::FfnGateExps, "ffn_gate_exps.weight", true, true},
    {TensorRole::FfnUpExps, "ffn_up_exps.weight", true, true},
    {TensorRole::FfnDownExps, "ffn_down_exps.weight", true, true},
    {TensorRole::FfnGateShexp, "ffn_gate_shexp.weight", true, true},
    {TensorRole::FfnUpShexp, "ffn_up_shexp.weight", true, true},
    {TensorRole::FfnDownShexp, "ffn_down_shexp.weight", true, true},
    {TensorRole::FfnGateInpShexp, "ffn_gate_inp_shexp.weight", true},
    {TensorRole::FfnGateInpBias, "ffn_gate_inp.bias", true},
    {TensorRole::FfnGateExpsBias, "ffn_gate_exps.bias", true},
    {TensorRole::FfnUpExpsBias, "ffn_up_exps.bias", true},
    {TensorRole::FfnDownExpsBias, "ffn_down_exps.bias", true},
    {TensorRole::NextnEhProj, "nextn.eh_proj.weight", true},
    {TensorRole::NextnEnorm, "nextn.enorm.weight", true},
    {TensorRole::NextnHnorm, "nextn.hnorm.weight", true},
};

}  // namespace

bool rows_may_be_grouped(TensorRole role) {
    for (const auto& entry : kNames)
        if (entry.role == role) return entry.groupable;
    return false;
}

std::string tensor_name(TensorRole role, int layer) {
    for (const auto& entry : kNames) {
        if (entry.role != role) continue;
        if (!entry.per_layer) return std::string(entry.suffix);
        return "blk." + std::to_string(layer) + "." + std::string(entry.suffix);
    }
    return "unknown";
}

}  // namespace moe
