// Reads a whole file into memory, telling a failed read apart from an empty file.
#pragma once

#include <optional>
#include <string>

namespace moe {

// The file's bytes, or nullopt with `error` set to "cannot read: <reason>" when it cannot be
// opened or a read fails (`in << rdbuf()` would report such a file as empty).
std::optional<std::string> read_whole_file(const std::string& path, std::string& error);

}  // namespace moe
