#include "engine/demo_model.h"

#include <cstdlib>
#include <filesystem>

namespace moe {

std::string demo_model_path() {
    namespace fs = std::filesystem;
    if (const char* env = std::getenv("MOESCOPE_DEMO_MODEL"); env && *env) return env;
    const fs::path relative = fs::path("resources") / "models" / "demo-moe.gguf";
    const fs::path in_source = fs::path(MOESCOPE_SOURCE_ROOT) / relative;
    if (fs::exists(in_source)) return in_source.string();
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec)
        for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path())
            if (fs::exists(dir / relative)) return (dir / relative).string();
    return in_source.string();
}

}  // namespace moe
