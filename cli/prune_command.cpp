// `prune`: a copy of a model with the M most-loaded experts of every MoE layer.
#include <ostream>

#include "commands.h"
#include "models/prune.h"
#include "option_checks.h"

namespace moe::cli {

int prune_command(const std::vector<std::string>& args, std::ostream& out) {
    Arguments arguments(args, 1, {"--model", "--keep", "--profile", "--output"}, {},
                        {{"-m", "--model"}, {"-o", "--output"}});
    const auto keep = arguments.text("--keep");
    const auto profile = arguments.text("--profile");
    const auto output = arguments.text("--output");
    if (!keep) throw UsageError("missing --keep M");
    if (!profile) throw UsageError("missing --profile PROFILE.json (from `moescope-cli profile --json`)");
    if (!output) throw UsageError("missing -o OUT.gguf");
    check_output_paths(arguments, {"--output"});
    const ExpertLoads loads = read_expert_loads(*profile);
    const PruneResult r = prune_experts(model_path(arguments), loads, arguments.integer("--keep", 0), *output);
    out << "kept " << r.n_expert_after << " of " << r.n_expert_before << " experts per MoE layer (top-"
        << r.n_used_after << (r.n_used_after != r.n_used_before ? " instead of top-" + std::to_string(r.n_used_before) : "")
        << "), " << r.tensors_sliced << " tensors sliced\n";
    for (const auto& [layer, kept] : r.kept) {
        out << "layer " << layer << ":";
        for (int e : kept) out << " " << e;
        out << "\n";
    }
    out << "wrote " << *output << "\n";
    return 0;
}

}  // namespace moe::cli
