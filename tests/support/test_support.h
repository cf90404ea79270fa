// Helpers shared by every test program.
#pragma once

#include <string>

namespace moe::test {

// MOESCOPE_CONFORMANCE_DIR from the environment, else the build's default
// (../shared/conformance beside the source tree). Empty if that folder does not exist.
std::string conformance_dir();

// Skips the calling test with a message when the conformance fixtures are absent.
#define MOE_REQUIRE_CONFORMANCE(dir_var)                                                        \
    const std::string dir_var = ::moe::test::conformance_dir();                                 \
    if (dir_var.empty()) GTEST_SKIP() << "conformance fixtures not found; set "                 \
                                         "MOESCOPE_CONFORMANCE_DIR to ../shared/conformance"

// A fresh empty folder under the system temp dir, removed at process exit.
std::string temp_dir();

std::string read_file(const std::string& path);

// Writes text to temp_dir()/name and returns that path.
std::string write_temp_file(const std::string& name, const std::string& text);

}  // namespace moe::test
