// `compare`: two runs over the same tokens, router agreement per MoE layer.
#include <cstdio>
#include <ostream>

#include "analysis/run_comparison.h"
#include "commands.h"
#include "import/trace_reader.h"
#include "option_checks.h"
#include "shared_options.h"
#include "trace_options.h"
#include "util/atomic_file.h"

namespace moe::cli {

int compare_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    std::set<std::string> valued{"--json"};
    valued.insert(TraceOptions::flags().begin(), TraceOptions::flags().end());
    Arguments arguments(args, 1, valued, {}, {{"-m", "--model"}});
    const std::vector<std::string>& paths = arguments.positional();
    if (paths.size() != 2) throw UsageError("expected two routing traces: compare A.csv B.csv");
    check_output_paths(arguments, {"--json"});
    const auto json_path = arguments.text("--json");
    const TraceOptions traces(arguments);

    InterruptFlag interrupt;
    analysis::RoutingTable a, b;
    try {
        a = traces.read({paths[0]}, interrupt, err);
        b = traces.read({paths[1]}, interrupt, err);
    } catch (const import::ReadCancelled&) {
        err << "compare: interrupted while reading; nothing written\n";
        return 130;
    }
    analysis::RunComparison comparison;
    try {
        comparison = analysis::compare_runs(a, b);
    } catch (const std::invalid_argument& e) {
        throw import::TraceError("'" + paths[0] + "' and '" + paths[1] + "': " + e.what());
    }

    out << paths[0] << ": " << comparison.tokens_a << " tokens; " << paths[1] << ": " << comparison.tokens_b
        << " tokens; compared " << comparison.tokens_compared << "\n";
    if (comparison.diverged) {
        const auto side = [](int32_t id, const std::string& text) {
            return id < 0 ? std::string("(run ended)") : std::to_string(id) + " '" + escape_piece(text) + "'";
        };
        out << "first divergence at token " << comparison.tokens_compared << " (pos " << comparison.divergence_pos
            << "): A " << side(comparison.token_a, comparison.text_a) << ", B " << side(comparison.token_b, comparison.text_b)
            << "\n";
    } else {
        out << "the token ids agree throughout\n";
    }
    out << "\nlayer  set_agreement  top1_agreement  jaccard\n";
    for (const analysis::LayerAgreement& l : comparison.layers) {
        char line[96];
        std::snprintf(line, sizeof line, "%5d  %13.3f  %14.3f  %7.3f\n", l.layer, l.set_agreement, l.top1_agreement, l.jaccard);
        out << line;
    }
    if (json_path) write_file_atomically(*json_path, analysis::comparison_json(comparison));
    return 0;
}

}  // namespace moe::cli
