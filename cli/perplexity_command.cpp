// `perplexity`: llama-perplexity's estimate on a text file, with the work per token it took.
#include <cstdio>
#include <ostream>

#include "commands.h"
#include "evaluation/perplexity.h"
#include "progress_line.h"
#include "option_checks.h"
#include "shared_options.h"
#include "util/whole_file.h"

namespace moe::cli {

namespace {

std::string read_text_file(const std::string& path) {
    std::string error;
    auto text = read_whole_file(path, error);
    if (!text) throw EngineError(path + ": " + error);
    return std::move(*text);
}

std::string share(double used, double dense) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f%%", dense > 0 ? 100.0 * used / dense : 0.0);
    return buffer;
}

}  // namespace

int perplexity_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    Arguments arguments(args, 1, {"--model", "--file", "--ctx", "--threads", "--experts", "--disable-expert"},
                        {"--dense", "--exact"}, {{"-m", "--model"}, {"-f", "--file"}, {"-c", "--ctx"}, {"-t", "--threads"}});
    const auto text_path = arguments.text("--file");
    if (!text_path) throw UsageError("missing -f TEXT");
    PerplexityOptions options;
    const int n_threads = thread_count(arguments);
    const std::string text = read_text_file(*text_path);

    const auto model = load_model(arguments);
    options.n_ctx = arguments.has("--ctx") ? context_length(arguments, model->info(), err) : 512;
    if (options.n_ctx < 4) throw UsageError("--ctx must be at least 4");
    options.overrides = routing_overrides(arguments, model->info());
    SessionOptions session_options;
    session_options.n_threads = n_threads;
    session_options.exact = arguments.has("--exact");
    session_options.n_ctx = options.n_ctx;
    Session session(model, session_options);
    const std::vector<int32_t> tokens = tokenize_for_perplexity(*model, text);

    ProgressLine progress(err, "perplexity", "chunks");
    options.progress = [&](int done, int total) {
        progress.update(done, total, static_cast<int64_t>(done) * options.n_ctx);
        return true;
    };
    PerplexityResult result;
    {
        InterruptFlag interrupt;
        result = compute_perplexity(session, tokens, options, interrupt.flag());
    }

    char line[160];
    std::snprintf(line, sizeof line, "%d chunks of %d tokens (%d tokens in the text), %lld scored%s\n", result.chunks,
                  options.n_ctx, result.tokens, static_cast<long long>(result.nll.count()),
                  result.cancelled ? " (interrupted)" : "");
    out << line;
    if (result.nll.count() == 0) return 130;
    std::snprintf(line, sizeof line, "PPL = %.4f +/- %.5f\n", result.nll.perplexity(), result.nll.standard_error());
    out << line;
    out << "FLOPs per token: " << human_count(result.flops_used) << " used / " << human_count(result.flops_dense)
        << " dense (" << share(result.flops_used, result.flops_dense) << ")\n";
    out << "weight bytes per token: " << human_bytes(result.weight_bytes_used) << " used / "
        << human_bytes(result.weight_bytes_dense) << " dense ("
        << share(result.weight_bytes_used, result.weight_bytes_dense) << ")\n";
    return result.cancelled ? 130 : 0;
}

}  // namespace moe::cli
