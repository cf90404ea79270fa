// The one table of GGUF tensor names (llama.cpp's LLM_TENSOR_NAMES, reference §2).
#pragma once

#include <string>

namespace moe {

enum class TensorRole {
    TokenEmbd, OutputNorm, Output, RopeFreqs,
    AttnNorm, AttnQ, AttnK, AttnV, AttnQkv, AttnOutput, AttnQBias, AttnKBias, AttnVBias,
    AttnQNorm, AttnKNorm, AttnOutputBias, AttnSinks,
    AttnQA, AttnQANorm, AttnQB, AttnKvAMqa, AttnKvANorm, AttnKvB, AttnKB, AttnVB,
    FfnNorm, AttnPostNorm, FfnGate, FfnUp, FfnDown,
    FfnGateInp, ExpProbsB, FfnGateExps, FfnUpExps, FfnDownExps,
    FfnGateShexp, FfnUpShexp, FfnDownShexp, FfnGateInpShexp,
    FfnGateInpBias, FfnGateExpsBias, FfnUpExpsBias, FfnDownExpsBias,
    NextnEhProj, NextnEnorm, NextnHnorm,
};

// "blk.3.ffn_gate_exps.weight" for (FfnGateExps, 3); global tensors ignore the layer.
std::string tensor_name(TensorRole role, int layer = -1);

// Whether the loader may store a tensor of this role with its rows in groups (quant/row_groups.h).
bool rows_may_be_grouped(TensorRole role);

}  // namespace moe
