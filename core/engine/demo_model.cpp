#include "engine/demo_model.h"

#include <cstdlib>
#include <filesystem>

namespace moe {

namespace {

// `relative` under the source tree of this build, else under the executable's folder or a parent.
std::string bundled_resource(const std::filesystem::path& relative) {
    namespace fs = std::filesystem;
    const fs::path in_source = fs::path(MOESCOPE_SOURCE_ROOT) / relative;
    if (fs::exists(in_source)) return in_source.string();
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec)
        for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path())
            if (fs::exists(dir / relative)) return (dir / relative).string();
    return in_source.string();
}

}  // namespace

std::string demo_model_path() {
    if (const char* env = std::getenv("MOESCOPE_DEMO_MODEL"); env && *env) return env;
    return bundled_resource(std::filesystem::path("resources") / "models" / "demo-moe.gguf");
}

std::string bundled_corpus_path() { return bundled_resource(std::filesystem::path("resources") / "corpus"); }

}  // namespace moe
