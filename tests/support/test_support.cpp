#include "support/test_support.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace moe::test {

std::string conformance_dir() {
    const char* env = std::getenv("MOESCOPE_CONFORMANCE_DIR");
    std::string dir = env && *env ? env : MOESCOPE_DEFAULT_CONFORMANCE_DIR;
    return std::filesystem::is_directory(dir) ? dir : std::string();
}

namespace {
struct TempRoot {
    std::filesystem::path path;
    TempRoot() {
        path = std::filesystem::temp_directory_path() / ("moescope-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(path);
    }
    ~TempRoot() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};
}  // namespace

std::string temp_dir() {
    static TempRoot root;
    static int counter = 0;
    auto dir = root.path / std::to_string(counter++);
    std::filesystem::create_directories(dir);
    return dir.string();
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string write_temp_file(const std::string& name, const std::string& text) {
    const std::string path = temp_dir() + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

}  // namespace moe::test
