// Files the user asked us to write must never be left half-written.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace moe {

// Writes `data` to `path` atomically: a temporary file in the same folder, fsync, rename.
// Throws std::runtime_error naming the path and the OS error (e.g. a read-only folder);
// an existing file at `path` is left untouched on failure.
// After the rename it removes what killed writers of the same path left behind (see below).
void write_file_atomically(const std::string& path, std::string_view data);

// A writer killed between mkstemp and rename leaves `<path>.tmp-XXXXXX`. Removes those older
// than `min_age`; younger ones may belong to a writer that is still running.
inline constexpr std::chrono::seconds kStaleTempAge{60};
void remove_stale_temp_files(const std::string& path, std::chrono::seconds min_age);

}  // namespace moe
