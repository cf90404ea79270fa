// `profile`: teacher-forced evaluation of a corpus, exporting every token's routing.
#include <algorithm>
#include <map>
#include <ostream>

#include "analysis/analysis_json.h"
#include "analysis/routing_analysis.h"
#include "commands.h"
#include "engine/demo_model.h"
#include "evaluation/teacher_forcing.h"
#include "progress_line.h"
#include "option_checks.h"
#include "shared_options.h"
#include "util/atomic_file.h"

namespace moe::cli {

namespace {

// --corpus PATH... then --domain NAME=PATH...; the bundled samples when neither is given.
std::vector<Document> load_documents(const Arguments& arguments) {
    std::vector<Document> documents;
    const auto take = [&](const std::string& path, const std::string& domain) {
        auto docs = load_corpus(path, domain);
        documents.insert(documents.end(), std::make_move_iterator(docs.begin()), std::make_move_iterator(docs.end()));
    };
    for (const std::string& path : arguments.all("--corpus")) take(path, {});
    for (const std::string& pair : arguments.all("--domain")) {
        const auto equals = pair.find('=');
        if (equals == std::string::npos || equals == 0 || equals + 1 == pair.size())
            throw UsageError("--domain expects NAME=PATH, got '" + pair + "'");
        take(pair.substr(equals + 1), pair.substr(0, equals));
    }
    if (!arguments.has("--corpus") && !arguments.has("--domain")) take(bundled_corpus_path(), {});
    return documents;
}

}  // namespace

int profile_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    Arguments arguments(args, 1,
                        {"--model", "--corpus", "--domain", "--ctx", "--max-tokens", "--routing-csv", "--json",
                         "--threads"},
                        {"--exact"}, {{"-m", "--model"}, {"-c", "--ctx"}, {"-t", "--threads"}});
    if (!arguments.positional().empty()) throw UsageError("unexpected argument '" + arguments.positional()[0] + "'");
    const auto csv_path = arguments.text("--routing-csv");
    const auto json_path = arguments.text("--json");
    check_output_paths(arguments, {"--routing-csv", "--json"});
    const int n_threads = thread_count(arguments);
    const int max_tokens = arguments.integer("--max-tokens", 0);
    if (max_tokens < 0) throw UsageError("--max-tokens must be >= 0");
    const std::vector<Document> documents = load_documents(arguments);

    const auto model = load_model(arguments);
    CorpusRunOptions options;
    options.n_ctx = arguments.has("--ctx") ? context_length(arguments, model->info(), err)
                                           : std::min(512, model->info().n_ctx_train);
    options.max_tokens = max_tokens;
    SessionOptions session_options;
    session_options.n_threads = n_threads;
    session_options.exact = arguments.has("--exact");
    session_options.n_ctx = options.n_ctx;
    Session session(model, session_options);

    std::string csv = routing_csv_header_with_documents();
    std::map<std::string, int64_t> tokens_per_domain;
    analysis::LiveAnalyzer analyzer;
    ProgressLine progress(err, "profile", "tokens");
    options.progress = [&](int64_t done, int64_t total) {
        progress.update(done, total, done);
        return true;
    };
    const auto on_token = [&](const TokenTrace& trace, int document, int) {
        ++tokens_per_domain[trace.domain];
        if (csv_path) append_routing_csv(csv, trace, document, trace.domain);
        if (json_path) analyzer.add(trace);
    };
    // Alive until the CSV is written: Ctrl+C stops the run, never the export.
    const InterruptFlag interrupt;
    const CorpusRunResult result = evaluate_corpus(session, documents, options, on_token, interrupt.flag());

    out << documents.size() << " documents, " << result.windows << " windows of up to " << options.n_ctx
        << " tokens, " << result.tokens << " tokens evaluated"
        << (result.cancelled ? " of " + std::to_string(result.tokens_planned) + " (interrupted)" : "") << "\n";
    for (const auto& [domain, tokens] : tokens_per_domain)
        out << "  " << (domain.empty() ? "(no domain)" : domain) << ": " << tokens << " tokens\n";
    if (csv_path) write_file_atomically(*csv_path, csv);
    if (json_path) write_file_atomically(*json_path, analysis::analysis_json(analyzer.report()) + "\n");
    return result.cancelled || interrupt.raised() ? 130 : 0;
}

}  // namespace moe::cli
