// Runs moescope-cli in-process for the CLI tests.
#pragma once

#include <string>
#include <vector>

namespace moe::test {

struct CliResult {
    int code;
    std::string out, err;
};

CliResult cli(const std::vector<std::string>& args);

// A tiny synthetic deepseek2 (3 layers, 8 experts top-2, Q8_0), written once per process.
const std::string& tiny_model();

std::vector<std::string> lines_of(const std::string& text);

}  // namespace moe::test
