// `whatif`: greedy baseline from a prompt, then the same tokens teacher-forced under routing
// overrides, with the per-position change of the next-token distribution and the work saved.
#include <cmath>
#include <cstdio>
#include <ostream>

#include "commands.h"
#include "evaluation/run_record.h"
#include "option_checks.h"
#include "progress_line.h"
#include "shared_options.h"
#include "tokenizer/tokenizer.h"
#include "util/atomic_file.h"
#include "util/json_writer.h"

namespace moe::cli {

namespace {

std::string whatif_csv(const WhatIfResult& r, const Tokenizer& tokenizer) {
    std::string csv =
        "pos,token_id,token_text,target_id,target_text,kl,delta_logprob,greedy_baseline,greedy_what_if,"
        "greedy_changed,routing_changed,flops_saved,weight_bytes_saved\n";
    for (const WhatIfToken& t : r.tokens) {
        csv += std::to_string(t.pos) + "," + std::to_string(t.token_id) + "," +
               csv_escape(escape_token_text(tokenizer.token_bytes(t.token_id))) + "," + std::to_string(t.target) + "," +
               csv_escape(escape_token_text(tokenizer.token_bytes(t.target))) + "," + format_float(t.kl) + "," +
               format_float(t.delta_logprob) + "," + std::to_string(t.greedy_baseline) + "," +
               std::to_string(t.greedy_what_if) + "," + (t.greedy_changed() ? "1" : "0") + "," +
               (t.routing_changed ? "1" : "0") + "," + format_float(t.flops_saved) + "," +
               format_float(t.weight_bytes_saved) + "\n";
    }
    return csv;
}

std::string whatif_json(const WhatIfResult& r, const std::string& model, const std::string& prompt,
                        const RoutingOverrides& overrides, const Tokenizer& tokenizer) {
    JsonWriter json;
    json.begin_object().key("model").value(model).key("prompt").value(prompt);
    json.key("overrides").begin_object().key("top_k").value(overrides.top_k).key("dense").value(overrides.dense);
    json.key("disabled").begin_array();
    for (const auto& [layer, expert] : overrides.disabled) json.begin_array().value(layer).value(expert).end_array();
    json.end_array().end_object();
    const WhatIfSummary& s = r.summary;
    json.key("summary").begin_object().key("positions").value(s.tokens).key("mean_kl").value(s.mean_kl);
    json.key("greedy_changed_share").value(s.greedy_changed_share);
    json.key("first_routing_change").value(s.first_routing_change);
    json.key("flops_baseline").value(s.flops_baseline).key("flops_saved").value(s.flops_saved);
    json.key("weight_bytes_baseline").value(s.weight_bytes_baseline).key("weight_bytes_saved").value(s.weight_bytes_saved);
    json.end_object().key("complete").value(!r.cancelled).key("positions").begin_array();
    for (const WhatIfToken& t : r.tokens) {
        json.begin_object().key("pos").value(t.pos).key("token_id").value(t.token_id);
        json.key("text").value(tokenizer.token_bytes(t.token_id)).key("target_id").value(t.target);
        json.key("kl").value(t.kl).key("delta_logprob").value(t.delta_logprob);
        json.key("greedy_baseline").value(t.greedy_baseline).key("greedy_what_if").value(t.greedy_what_if);
        json.key("routing_changed").value(t.routing_changed).key("flops_saved").value(t.flops_saved);
        json.key("weight_bytes_saved").value(t.weight_bytes_saved).end_object();
    }
    json.end_array().end_object();
    return json.str() + "\n";
}

// human_count / human_bytes for a saving that may be negative (the what-if ran more experts).
std::string signed_amount(double n, std::string (*human)(double)) {
    std::string text = human(std::abs(n));
    if (n < 0) text.insert(text.begin(), '-');
    return text;
}

std::string percent(double part, double whole) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f%%", whole != 0 ? 100.0 * part / whole : 0.0);
    return buffer;
}

}  // namespace

int whatif_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    Arguments arguments(args, 1,
                        {"--model", "--prompt", "--n-predict", "--threads", "--experts", "--disable-expert", "--json",
                         "--csv"},
                        {"--dense"},
                        {{"-m", "--model"}, {"-p", "--prompt"}, {"-n", "--n-predict"}, {"-t", "--threads"},
                         {"--top-k", "--experts"}});
    const auto prompt = arguments.text("--prompt");
    if (!prompt) throw UsageError("missing -p PROMPT");
    check_output_paths(arguments, {"--json", "--csv"});
    const int n_threads = thread_count(arguments);
    const auto model = Model::load(model_path(arguments));
    const ModelInfo& info = model->info();
    GenerationRequest request;
    request.prompt = *prompt;
    request.max_new_tokens = checked_integer(arguments, "--n-predict", 16, 0, info.n_ctx_train,
                                             "0 to " + std::to_string(info.n_ctx_train) + ", the training context");
    WhatIfOptions options;
    options.what_if = routing_overrides(arguments, info);
    options.n_threads = n_threads;
    if (!arguments.has("--experts") && !arguments.has("--dense") && options.what_if.disabled.empty())
        throw UsageError("nothing to change: give --top-k K, --dense or --disable-expert LAYER:EXPERT");

    SessionOptions session_options;
    session_options.n_threads = n_threads;
    Session session(model, session_options);
    const InterruptFlag interrupt;
    const GenerationResult baseline = session.generate(request, {}, interrupt.flag());
    if (baseline.cancelled) {
        err << "whatif: interrupted during the baseline; nothing written\n";
        return 130;
    }
    std::vector<int32_t> tokens = baseline.prompt_tokens;
    tokens.insert(tokens.end(), baseline.generated_tokens.begin(), baseline.generated_tokens.end());
    options.n_prompt = static_cast<int>(baseline.prompt_tokens.size());
    out << "baseline (greedy, model routing): " << escape_piece(baseline.text) << "\n";

    ProgressLine progress(err, "what-if", "positions");
    options.progress = [&](int done, int total) {
        progress.update(done, total, done);
        return true;
    };
    const WhatIfResult r = evaluate_what_if(model, tokens, options, interrupt.flag());
    const Tokenizer& tokenizer = model->tokenizer();
    out << "what-if: " << describe_overrides(options.what_if) << "\n\n  pos  next token       KL (nats)  Δ log p  greedy   routing\n";
    for (const WhatIfToken& t : r.tokens) {
        char line[160];
        const std::string piece = escape_piece(tokenizer.token_bytes(t.target)).substr(0, 14);
        std::snprintf(line, sizeof line, "%5d  %-14s  %11.6f  %+7.3f  %-7s  %s\n", t.pos, ("'" + piece + "'").c_str(),
                      t.kl, t.delta_logprob, t.greedy_changed() ? "changed" : "same",
                      t.routing_changed ? "changed" : "same");
        out << line;
    }
    const WhatIfSummary& s = r.summary;
    char line[200];
    std::snprintf(line, sizeof line, "\n%d positions%s: mean KL %.6f nats, greedy choice changed at %.1f%%",
                  s.tokens, r.cancelled ? " (interrupted)" : "", s.mean_kl, 100.0 * s.greedy_changed_share);
    out << line << ", FLOPs saved " << signed_amount(s.flops_saved, human_count) << " of "
        << human_count(s.flops_baseline) << " (" << percent(s.flops_saved, s.flops_baseline) << "), weight bytes saved "
        << signed_amount(s.weight_bytes_saved, human_bytes)
        << " of " << human_bytes(s.weight_bytes_baseline) << " (" << percent(s.weight_bytes_saved, s.weight_bytes_baseline)
        << ")\n";

    if (const auto path = arguments.text("--csv")) write_file_atomically(*path, whatif_csv(r, tokenizer));
    if (const auto path = arguments.text("--json"))
        write_file_atomically(*path, whatif_json(r, info.path, request.prompt, options.what_if, tokenizer));
    return r.cancelled ? 130 : 0;
}

}  // namespace moe::cli
