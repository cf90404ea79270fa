#include "cli_harness.h"

#include <gtest/gtest.h>

#include <sstream>

#include "cli.h"
#include "support/test_support.h"

namespace moe::test {

CliResult cli(const std::vector<std::string>& args) {
    std::ostringstream out, err;
    const int code = cli::run(args, out, err);
    return {code, out.str(), err.str()};
}

const std::string& tiny_model() {
    static const std::string path = [] {
        const std::string p = temp_dir() + "/tiny-deepseek2.gguf";
        const CliResult r = cli({"synth", "--arch", "deepseek2", "--preset", "tiny", "--type", "q8_0", "-o", p});
        EXPECT_EQ(r.code, 0) << r.err;
        return p;
    }();
    return path;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::stringstream ss(text);
    std::string line;
    while (std::getline(ss, line)) lines.push_back(line);
    return lines;
}

}  // namespace moe::test
