#include "evaluation/run_record.h"

#include <stdexcept>

#include "analysis/table_builder.h"
#include "tokenizer/tokenizer.h"

namespace moe {

analysis::RoutingTable chosen_experts(const std::vector<TokenTrace>& traces) {
    analysis::RoutingTableBuilder builder(/*keep_values=*/false);
    for (const TokenTrace& t : traces) builder.add(t);
    return builder.take();
}

RunRecord record_generation(const ModelInfo& model, const GenerationRequest& request, std::vector<int32_t> tokens,
                            int n_prompt, analysis::RoutingTable routing) {
    RunRecord run;
    run.model_path = model.path;
    run.model_name = model.name;
    run.prompt = request.prompt;
    run.sampling = request.sampling;
    run.overrides = request.overrides;
    run.tokens = std::move(tokens);
    run.n_prompt = n_prompt;
    run.routing = std::move(routing);
    return run;
}

void name_tokens(RunRecord& run, const Tokenizer& tokenizer) {
    const auto name = [&](int32_t id) {
        if (id >= 0 && id < tokenizer.vocab_size()) run.texts.try_emplace(id, tokenizer.token_bytes(id));
    };
    for (const int32_t id : run.tokens) name(id);
    for (const WhatIfToken& t : run.what_if) {
        name(t.greedy_baseline);
        name(t.greedy_what_if);
    }
}

RunRecord record_what_if(const RunRecord& baseline, int baseline_index, const RoutingOverrides& overrides,
                         const WhatIfResult& result) {
    RunRecord run = baseline;
    run.kind = RunKind::WhatIf;
    run.overrides = overrides;
    run.routing = chosen_experts(result.what_if_trace);
    run.what_if = result.tokens;
    run.baseline = baseline_index;
    return run;
}

std::string describe_overrides(const RoutingOverrides& overrides) {
    std::string text = overrides.dense ? "dense" : overrides.top_k > 0 ? "top-" + std::to_string(overrides.top_k) : "";
    if (!overrides.disabled.empty()) {
        std::string list;
        for (const auto& [layer, expert] : overrides.disabled)
            list += (list.empty() ? "" : ", ") + std::to_string(layer) + ":" + std::to_string(expert);
        text += (text.empty() ? "" : ", ") + std::to_string(overrides.disabled.size()) + " disabled (" + list + ")";
    }
    return text.empty() ? "model routing" : text;
}

void check_run_record(const RunRecord& run, int index) {
    const auto fail = [&](const std::string& problem) {
        throw std::invalid_argument("run " + std::to_string(index + 1) + ": " + problem);
    };
    const size_t rows = run.routing.token_count();
    if (run.n_prompt < 0 || static_cast<size_t>(run.n_prompt) > run.tokens.size())
        fail("n_prompt " + std::to_string(run.n_prompt) + " is outside its " + std::to_string(run.tokens.size()) +
             " tokens");
    if (rows > run.tokens.size())
        fail(std::to_string(rows) + " routing rows for " + std::to_string(run.tokens.size()) + " tokens");
    for (size_t t = 0; t < rows; ++t)
        if (run.routing.token_ids[t] != run.tokens[t])
            fail("routing row " + std::to_string(t) + " evaluates token " + std::to_string(run.routing.token_ids[t]) +
                 ", not the run's " + std::to_string(run.tokens[t]));
    if (run.kind == RunKind::WhatIf) {
        if (run.what_if.size() != rows)
            fail(std::to_string(run.what_if.size()) + " what-if results for " + std::to_string(rows) + " routing rows");
        if (run.baseline < 0 || run.baseline >= index)
            fail("baseline " + std::to_string(run.baseline + 1) + " is not an earlier run");
    } else if (!run.what_if.empty() || run.baseline != -1) {
        fail("a generation with what-if results");
    }
    if (rows > 0) {
        try {
            analysis::check_table(run.routing);
        } catch (const std::invalid_argument& e) {
            fail(e.what());
        }
    }
}

}  // namespace moe
