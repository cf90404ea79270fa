// Files the user asked us to write must never be left half-written.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace moe {

// Writes `data` to `path` atomically: a temporary file in the same folder, fsync, rename.
// Throws std::runtime_error naming the path and the OS error (e.g. a read-only folder);
// an existing file at `path` is left untouched on failure.
void write_file_atomically(const std::string& path, std::string_view data);

}  // namespace moe
