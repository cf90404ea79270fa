// The subcommands of moescope-cli; each returns the exit code.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "arguments.h"
#include "engine/engine.h"

namespace moe::cli {

int info_command(const std::vector<std::string>& args, std::ostream& out);
int tokenize_command(const std::vector<std::string>& args, std::ostream& out);
int run_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int bench_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int synth_command(const std::vector<std::string>& args, std::ostream& out);
int perplexity_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int prune_command(const std::vector<std::string>& args, std::ostream& out);
int profile_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int analyze_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int compare_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int whatif_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// -m/--model, else the bundled demo model.
std::string model_path(const Arguments& arguments);
// The model of -m/--model, loaded for the command's activations: --exact keeps Q4_K rows plain
// (LoadOptions::group_rows).
std::shared_ptr<const Model> load_model(const Arguments& arguments);
// Token bytes with \n, \t and \\ escaped, as in the conformance dumps' piece column.
std::string escape_piece(const std::string& bytes);
// 15.7B, 2.4M, ... for parameter counts; 1.2 GiB, ... for byte counts.
std::string human_count(double n);
std::string human_bytes(double n);
// Where a loaded model's weights are (LoadOptions::weights), as info and bench say it.
std::string weight_placement(bool in_huge_pages);

}  // namespace moe::cli
