// Range checks for the options every generating command shares (run, profile, perplexity, ...).
// Each check throws UsageError with one line naming the option, the value and the allowed
// range, e.g. "--top-p 2 is out of range (allowed: more than 0, up to 1)".
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "arguments.h"
#include "engine/engine.h"

namespace moe::cli {

// The integer value of `flag` (or `fallback` when absent), which must lie in [lo, hi];
// `allowed` describes that range in the message ("1 to 32000, the vocabulary").
int checked_integer(const Arguments& arguments, const std::string& flag, int fallback, int lo, int hi,
                    const std::string& allowed);
// --threads: 1 to 4 × the hardware threads; 0 (all cores) when absent.
int thread_count(const Arguments& arguments);
// --temp ≥ 0, --top-k ≥ 0, 0 < --top-p ≤ 1, --seed ≥ 0.
SamplingParams sampling_options(const Arguments& arguments);
// --experts 1 to the model's expert count, --disable-expert LAYER:EXPERT with LAYER one of the
// model's MoE blocks and EXPERT one of its experts, --dense.
RoutingOverrides routing_overrides(const Arguments& arguments, const ModelInfo& model);
// --ctx 1 to the training context; above it only with --ctx-override, which warns on `err`.
// 0 (min(training context, 4096)) when absent.
int context_length(const Arguments& arguments, const ModelInfo& model, std::ostream& err);
// Every output path given with `flags`: its folder exists and takes a new file, and the path
// is not a folder. Run before any work so a bad path costs nothing.
void check_output_paths(const Arguments& arguments, const std::vector<std::string>& flags);

}  // namespace moe::cli
