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

// The same for a file too large to hold in memory: append pieces with write(), then commit()
// (fsync, rename). Destroyed without a commit (an error, a throw while producing the data), it
// removes its temporary file and leaves `path` as it was.
class AtomicFileWriter {
public:
    explicit AtomicFileWriter(std::string path);  // throws std::runtime_error naming the path
    ~AtomicFileWriter();
    AtomicFileWriter(const AtomicFileWriter&) = delete;
    AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

    void write(std::string_view data);
    void commit();

private:
    void abandon();
    std::string path_, tmp_;
    int fd_ = -1;
};

// A writer killed between mkstemp and rename leaves `<path>.tmp-XXXXXX`. Removes those older
// than `min_age`; younger ones may belong to a writer that is still running.
inline constexpr std::chrono::seconds kStaleTempAge{60};
void remove_stale_temp_files(const std::string& path, std::chrono::seconds min_age);

}  // namespace moe
