// Shared by the fuzz targets whose readers take a path: the input as a file without touching
// the disk, and the invariants every RoutingTable a reader returns must hold.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "analysis/routing_table.h"
#include "import/npz_trace.h"

namespace moe::fuzz {

[[noreturn]] inline void fail(const char* target, const std::string& what) {
    std::fprintf(stderr, "%s: %s\n", target, what.c_str());
    std::abort();
}

// An anonymous in-memory file holding `bytes`, opened by path through /proc/self/fd.
class MemoryFile {
public:
    MemoryFile(const uint8_t* bytes, size_t size) : fd_(memfd_create("fuzz-input", 0)) {
        if (fd_ < 0 || (size > 0 && ::write(fd_, bytes, size) != static_cast<ssize_t>(size))) {
            fail("MemoryFile", "memfd_create/write failed");
        }
    }
    ~MemoryFile() { ::close(fd_); }
    MemoryFile(const MemoryFile&) = delete;
    MemoryFile& operator=(const MemoryFile&) = delete;
    std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

private:
    int fd_;
};

// The table a reader returned passes the analysis's own consistency check (sizes against
// counts, ids below n_expert, no empty or repeated sets, sequence ids never going down).
inline void check_table(const char* target, const analysis::RoutingTable& table) {
    try {
        analysis::check_table(table);
    } catch (const std::invalid_argument& e) {
        fail(target, std::string("a table that read is inconsistent: ") + e.what());
    }
}

// A table that read survives the .npz writer: write(read(write(t))) == write(t). Tables the
// schema cannot hold (a chosen set shorter than max_k) are documented as not writable.
inline void check_npz_round_trip(const char* target, const analysis::RoutingTable& table) {
    std::string first;
    try {
        first = import::npz_trace_bytes(table, /*compress=*/false);
    } catch (const std::invalid_argument&) {
        return;
    }
    const MemoryFile written(reinterpret_cast<const uint8_t*>(first.data()), first.size());
    analysis::RoutingTable again;
    try {
        again = import::read_npz_trace(written.path());
    } catch (const std::runtime_error& e) {
        fail(target, std::string("a written trace does not read: ") + e.what());
    }
    if (import::npz_trace_bytes(again, false) != first) fail(target, "write(read(write(t))) != write(t)");
}

}  // namespace moe::fuzz
