// moescope-cli: the command-line front end over the core API. Kept in a library so the tests
// can run commands in-process and check their output byte for byte.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace moe::cli {

// Runs one command line (args[0] is the subcommand). Returns the process exit code.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace moe::cli
