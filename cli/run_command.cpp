// `run`: generate from a prompt, stream the text, and export the routing trace.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <ostream>

#include "analysis/table_builder.h"
#include "commands.h"
#include "shared_options.h"
#include "engine/engine.h"
#include "import/npz_trace.h"
#include "option_checks.h"
#include "util/atomic_file.h"
#include "util/json_writer.h"

namespace moe::cli {

namespace {

void append_top_logits(std::string& csv, int step, int pos, const float* logits, int n_vocab, int top) {
    std::vector<int> order(n_vocab);
    std::iota(order.begin(), order.end(), 0);
    const int k = std::min(top, n_vocab);
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int a, int b) {
        return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
    });
    for (int r = 0; r < k; ++r)
        csv += std::to_string(step) + "," + std::to_string(pos) + "," + std::to_string(r) + "," +
               std::to_string(order[r]) + "," + format_float(logits[order[r]]) + "\n";
}

void write_token_json(JsonWriter& json, const TokenTrace& t) {
    json.begin_object();
    json.key("step").value(t.step).key("pos").value(t.pos).key("token_id").value(t.token_id);
    json.key("text").value(t.text).key("prompt").value(t.is_prompt).key("ms").value(t.total_ms);
    json.key("flops_used").value(t.flops_used).key("flops_dense").value(t.flops_dense);
    json.key("weight_bytes_used").value(t.weight_bytes_used).key("weight_bytes_dense").value(t.weight_bytes_dense);
    json.key("layer_ms").array(t.layer_time_ms);
    json.key("moe").begin_array();
    for (const LayerRouting& layer : t.moe_layers) {
        json.begin_object().key("layer").value(layer.layer);
        json.key("experts").array(layer.experts).key("weights").array(layer.weights);
        json.key("probs").array(layer.probs);
        if (!std::isnan(layer.shared_gate)) json.key("shared_gate").value(static_cast<double>(layer.shared_gate));
        json.end_object();
    }
    json.end_array().end_object();
}

}  // namespace

int run_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    Arguments arguments(args, 1,
                        {"--model", "--prompt", "--n-predict", "--temp", "--top-k", "--top-p", "--seed", "--threads",
                         "--ctx", "--routing-csv", "--routing-npz", "--logits-csv", "--logits-top", "--json", "--experts",
                         "--disable-expert"},
                        {"--dense", "--ignore-eos", "--no-special", "--ctx-override", "--exact"},
                        {{"-m", "--model"}, {"-p", "--prompt"}, {"-n", "--n-predict"}, {"-t", "--threads"}});
    auto prompt = arguments.text("--prompt");
    if (!prompt) throw UsageError("missing -p PROMPT");
    const auto routing_path = arguments.text("--routing-csv");
    const auto npz_path = arguments.text("--routing-npz");
    const auto logits_path = arguments.text("--logits-csv");
    const auto json_path = arguments.text("--json");
    check_output_paths(arguments, {"--routing-csv", "--routing-npz", "--logits-csv", "--json"});

    GenerationRequest request;
    request.prompt = *prompt;
    request.max_new_tokens = arguments.integer("--n-predict", 32);
    if (request.max_new_tokens < 0) throw UsageError("-n must be >= 0");
    request.sampling = sampling_options(arguments);
    request.stop_at_eos = !arguments.has("--ignore-eos");
    request.parse_special = !arguments.has("--no-special");
    SessionOptions options;
    options.n_threads = thread_count(arguments);
    options.exact = arguments.has("--exact");

    const auto model = load_model(arguments);
    request.overrides = routing_overrides(arguments, model->info());
    options.n_ctx = context_length(arguments, model->info(), err);
    Session session(model, options);

    std::string routing_csv = routing_csv_header();
    std::string logits_csv = "step,pos,rank,token_id,logit\n";
    JsonWriter tokens_json;
    tokens_json.begin_array();
    const int n_vocab = model->info().n_vocab;
    const int logits_top = checked_integer(arguments, "--logits-top", 20, 1, n_vocab,
                                           "1 to " + std::to_string(n_vocab) + ", the vocabulary");

    analysis::RoutingTableBuilder npz_table;
    GenerationEvents events;
    if (routing_path || json_path || npz_path) {
        events.on_trace = [&](const TokenTrace& trace) {
            append_routing_csv(routing_csv, trace);
            if (npz_path) npz_table.add(trace);
            if (json_path) write_token_json(tokens_json, trace);
        };
    }
    if (logits_path)
        events.on_logits = [&](int step, int pos, const float* logits, int n_vocab) {
            append_top_logits(logits_csv, step, pos, logits, n_vocab, logits_top);
        };
    events.on_text = [&](const std::string& text) { out << text << std::flush; };

    // Alive until the exports are written: Ctrl+C stops the generation, never an export.
    const InterruptFlag interrupt;
    const GenerationResult result = session.generate(request, events, interrupt.flag());
    out << "\n";

    const double prompt_tok_s = result.prefill_ms > 0 ? 1000.0 * result.prompt_tokens.size() / result.prefill_ms : 0;
    const size_t decoded = result.generated_tokens.empty() ? 0 : result.generated_tokens.size() - 1;
    const double gen_tok_s = result.decode_ms > 0 ? 1000.0 * decoded / result.decode_ms : 0;
    err << "prompt: " << result.prompt_tokens.size() << " tokens, " << prompt_tok_s << " tok/s; generated: "
        << result.generated_tokens.size() << " tokens, " << gen_tok_s << " tok/s"
        << (result.stopped_at_eos ? " (end of sequence)" : "") << (result.cancelled ? " (interrupted)" : "") << "\n";

    if (routing_path) write_file_atomically(*routing_path, routing_csv);
    if (npz_path) {
        analysis::RoutingTable table = npz_table.take();
        table.model = model->info().name;
        import::write_npz_trace(*npz_path, table, true);
    }
    if (logits_path) write_file_atomically(*logits_path, logits_csv);
    if (json_path) {
        tokens_json.end_array();
        JsonWriter json;
        json.begin_object();
        json.key("model").value(model->info().path).key("architecture").value(model->info().architecture);
        json.key("prompt").value(request.prompt);
        json.key("prompt_tokens").array(result.prompt_tokens).key("generated_tokens").array(result.generated_tokens);
        json.key("text").value(result.text).key("cancelled").value(result.cancelled);
        json.key("stopped_at_eos").value(result.stopped_at_eos);
        json.key("prefill_ms").value(result.prefill_ms).key("decode_ms").value(result.decode_ms);
        json.key("time_to_first_token_ms").value(result.time_to_first_token_ms);
        json.key("prefill_tok_s").value(prompt_tok_s).key("decode_tok_s").value(gen_tok_s);
        json.key("tokens").raw_value(tokens_json.str()).end_object();
        write_file_atomically(*json_path, json.str() + "\n");
    }
    return result.cancelled || interrupt.raised() ? 130 : 0;
}

}  // namespace moe::cli
