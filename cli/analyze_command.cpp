// `analyze`: the routing metrics of one or more routing traces, as tables and JSON.
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>

#include "analysis/analysis_json.h"
#include "analysis/routing_analysis.h"
#include "commands.h"
#include "engine/engine.h"
#include "gguf/gguf_file.h"
#include "import/trace_reader.h"
#include "progress_line.h"
#include "option_checks.h"
#include "shared_options.h"
#include "trace_options.h"
#include "util/atomic_file.h"

namespace moe::cli {

namespace {

// The routed-expert count of a GGUF model, from its metadata only (no tensor is read).
int model_expert_count(const std::string& path) {
    const auto file = gguf::GgufFile::open(path);
    const std::string arch = file->get_string("general.architecture").value_or("");
    const auto count = file->get_int(arch + ".expert_count");
    if (!count || *count <= 0)
        throw EngineError("'" + path + "' has no " + arch + ".expert_count: pass --n-expert N instead");
    return static_cast<int>(*count);
}

std::vector<int> parse_sizes(const std::string& list) {
    std::vector<int> sizes;
    std::stringstream items(list);
    std::string item;
    while (std::getline(items, item, ',')) {
        char* end = nullptr;
        const long size = std::strtol(item.c_str(), &end, 10);
        if (item.empty() || *end != '\0' || size < 1 || size > 65535)
            throw UsageError("--cache-sizes expects positive integers separated by commas, got '" + list + "'");
        sizes.push_back(static_cast<int>(size));
    }
    if (sizes.empty()) throw UsageError("--cache-sizes is empty");
    return sizes;
}

std::string format(const char* pattern, double value) {
    if (std::isnan(value)) return "-";
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, pattern, value);
    return buffer;
}

std::string padded(const std::string& text, size_t width) {
    return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}

void print_tables(const analysis::AnalysisReport& report, std::ostream& out) {
    out << "layer     k     cv  entropy  max_vio  balance_fp  dead   repeat_top1 (random)   repeat_any (random)"
           "  mi_next  distinct W=1/4/16/64\n";
    for (const analysis::LayerReport& l : report.layers) {
        std::string distinct;
        for (double mean : l.distinct_per_window) {
            if (!distinct.empty()) distinct += '/';
            distinct += format("%.1f", mean);
        }
        out << padded(std::to_string(l.layer), 5) << padded(format("%.2f", l.k), 6) << padded(format("%.3f", l.cv), 7)
            << padded(format("%.3f", l.entropy), 9) << padded(format("%.3f", l.max_vio), 9)
            << padded(format("%.3f", l.balance_fp), 12) << padded(std::to_string(l.dead.size()), 6)
            << padded(format("%.3f", l.repeat_top1), 14) << padded(format("(%.3f)", l.repeat_top1_random), 9)
            << padded(format("%.3f", l.repeat_any), 13) << padded(format("(%.3f)", l.repeat_any_random), 9)
            << padded(format("%.3f", l.next_layer_mi_bits), 9) << "  " << distinct << "\n";
    }

    out << "\nexpert-cache hit rate, lru / lfu / oracle, by cache size (experts)\nlayer";
    if (!report.layers.empty())
        for (const analysis::CacheHitRates& c : report.layers[0].cache) out << padded(std::to_string(c.size), 23);
    out << "\n";
    for (const analysis::LayerReport& l : report.layers) {
        out << padded(std::to_string(l.layer), 5);
        for (const analysis::CacheHitRates& c : l.cache)
            out << "  " << padded(format("%.3f", c.lru) + " / " + format("%.3f", c.lfu) + " / " + format("%.3f", c.oracle), 21);
        out << "\n";
    }

    if (report.layers.empty() || report.layers[0].domains.empty()) return;
    out << "\ndomains: mutual information with the rank-0 expert, and each domain's busiest expert\nlayer  mi_bits";
    for (const auto& [name, domain] : report.layers[0].domains) out << "  " << padded(name, 14);
    out << "\n";
    for (const analysis::LayerReport& l : report.layers) {
        out << padded(std::to_string(l.layer), 5) << padded(format("%.3f", l.domain_mi_bits), 9);
        for (const auto& [name, domain] : l.domains) {
            size_t busiest = 0;
            for (size_t e = 1; e < domain.share.size(); ++e)
                if (domain.share[e] > domain.share[busiest]) busiest = e;
            char cell[48];
            std::snprintf(cell, sizeof cell, "e%zu %.0f%%", busiest, 100 * domain.share[busiest]);
            out << "  " << padded(cell, std::max<size_t>(name.size(), 14));
        }
        out << "\n";
    }
}

}  // namespace

int analyze_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    std::set<std::string> valued{"--n-expert", "--json", "--cache-sizes", "--min-count", "--top-tokens"};
    valued.insert(TraceOptions::flags().begin(), TraceOptions::flags().end());
    Arguments arguments(args, 1, valued, {"--no-oracle"}, {{"-m", "--model"}});
    const std::vector<std::string>& paths = arguments.positional();
    if (paths.empty()) throw UsageError("missing ROUTING.csv");
    if (arguments.has("--model") && arguments.has("--n-expert")) throw UsageError("give -m MODEL or --n-expert N, not both");
    analysis::AnalysisOptions options;
    if (auto sizes = arguments.text("--cache-sizes")) options.cache_sizes = parse_sizes(*sizes);
    options.vocabulary_min_count = arguments.integer("--min-count", 5);
    options.vocabulary_top = arguments.integer("--top-tokens", 10);
    options.oracle = !arguments.has("--no-oracle");
    if (options.vocabulary_min_count < 1) throw UsageError("--min-count must be >= 1");
    if (options.vocabulary_top < 0) throw UsageError("--top-tokens must be >= 0");
    check_output_paths(arguments, {"--json"});
    const auto json_path = arguments.text("--json");
    TraceOptions traces(arguments);
    const int n_expert = arguments.has("--n-expert") ? arguments.integer("--n-expert", 0)
                         : traces.has_model()        ? traces.model_expert_count()
                                                     : model_expert_count(model_path(arguments));
    if (n_expert < 1 || n_expert >= analysis::kMaxExperts) throw UsageError("--n-expert must be in 1..65534");
    traces.set_expert_count(n_expert);

    InterruptFlag interrupt;
    analysis::RoutingTable table;
    try {
        table = traces.read(paths, interrupt, err);
    } catch (const import::ReadCancelled&) {
        err << "analyze: interrupted while reading; nothing written\n";
        return 130;
    }

    ProgressLine progress(err, "analyzing", "tokens");
    const auto tokens = static_cast<int64_t>(table.token_count());
    analysis::AnalysisReport report = analysis::analyze_table(table, options, [&](double fraction) {
        const auto done = static_cast<int64_t>(fraction * static_cast<double>(tokens));
        progress.update(done, tokens, done);
        return !interrupt.raised();
    });

    out << report.tokens << " tokens in " << report.sequences << " sequences, " << report.n_expert << " experts, "
        << report.layers.size() << " MoE layers" << (report.complete ? "" : " (interrupted: partial)")
        << "\n\n";
    print_tables(report, out);
    if (json_path) write_file_atomically(*json_path, analysis::analysis_json(report));
    return report.complete ? 0 : 130;
}

}  // namespace moe::cli
