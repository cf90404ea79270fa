// Runs a short NumPy script the way a Python user would write a trace (skips without NumPy).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "support/test_support.h"

namespace moe::test {

inline bool numpy_available() {
    static const bool available =
        std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
    return available;
}

// Writes `script` to a file and runs it with the folder as argv[1]; true when it exits 0.
inline bool run_numpy_script(const std::string& folder, const std::string& script) {
    const std::string path = folder + "/script.py";
    std::ofstream(path) << "import sys\nimport numpy as np\nout = sys.argv[1]\n" << script;
    return std::system(("/usr/bin/python3 '" + path + "' '" + folder + "'").c_str()) == 0;
}

#define MOE_REQUIRE_NUMPY() \
    if (!::moe::test::numpy_available()) GTEST_SKIP() << "/usr/bin/python3 with numpy not found (apt install python3-numpy)"

}  // namespace moe::test
