// A run as the session's history keeps it: what was asked (prompt, model file, sampling,
// routing overrides), the tokens, and the experts each MoE layer chose for every evaluated
// token, so any two runs can be compared later without the model.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "analysis/routing_table.h"
#include "engine/engine.h"
#include "evaluation/what_if.h"

namespace moe {

class Tokenizer;

enum class RunKind { Generation, WhatIf };

struct RunRecord {
    RunKind kind = RunKind::Generation;
    std::string model_path, model_name;
    std::string prompt;
    SamplingParams sampling;        // a what-if run keeps its baseline's
    RoutingOverrides overrides;
    std::vector<int32_t> tokens;    // prompt tokens, then generated ones
    int n_prompt = 0;
    // Chosen experts per evaluated token, in order (ids only: compare needs no more); at most
    // tokens.size() rows, row t evaluating tokens[t].
    analysis::RoutingTable routing;
    std::vector<WhatIfToken> what_if;  // a what-if run: one per row of `routing`; else empty
    int baseline = -1;                 // a what-if run: the history index it re-evaluated
    std::map<int32_t, std::string> texts;  // bytes of every token id the run mentions (name_tokens)
};

// The chosen experts of a streamed trace, ids only.
analysis::RoutingTable chosen_experts(const std::vector<TokenTrace>& traces);

// A finished (or stopped) generation; `routing` from its streamed trace (RoutingTableBuilder
// without values, or chosen_experts).
RunRecord record_generation(const ModelInfo& model, const GenerationRequest& request, std::vector<int32_t> tokens,
                            int n_prompt, analysis::RoutingTable routing);

// A what-if run over the tokens of history entry `baseline_index`.
RunRecord record_what_if(const RunRecord& baseline, int baseline_index, const RoutingOverrides& overrides,
                         const WhatIfResult& result);

// Fills `texts` for the run's tokens and, for a what-if, both greedy choices of every position.
void name_tokens(RunRecord& run, const Tokenizer& tokenizer);

// "model routing", "top-1", "dense", "top-1, 2 disabled (1:5, 3:5)": for pickers and reports.
std::string describe_overrides(const RoutingOverrides& overrides);

// Throws std::invalid_argument naming the first inconsistency: n_prompt outside the tokens,
// more routing rows than tokens, a row whose token id is not the token it evaluates, a
// what-if list of another length, a baseline index outside 0 .. history_size − 1 (or not
// before this run's own index), or the routing table's own checks.
void check_run_record(const RunRecord& run, int index);

}  // namespace moe
