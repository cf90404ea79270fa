// Shared by the fuzz targets whose readers take a path: the input as a file without touching
// the disk, and the shape invariants every RoutingTable a reader returns must hold.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "analysis/routing_table.h"

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

// Every size agrees with the counts, every expert id is below n_expert (or an unused slot).
inline void check_table(const char* target, const analysis::RoutingTable& t) {
    const size_t tokens = t.token_count();
    const size_t cells = tokens * t.layers.size();
    if (t.n_expert < 0 || t.n_expert > analysis::kMaxExperts || t.max_k < 0) fail(target, "bad n_expert or max_k");
    if (t.positions.size() != tokens || t.sequences.size() != tokens) fail(target, "per-token columns differ in length");
    if (!t.texts.empty() && t.texts.size() != tokens) fail(target, "texts differ in length");
    if (t.experts.size() != cells * static_cast<size_t>(t.max_k)) fail(target, "experts is not tokens x layers x k");
    if (!t.weights.empty() && t.weights.size() != t.experts.size()) fail(target, "weights differ from experts");
    if (!t.probs.empty() && t.probs.size() != cells * static_cast<size_t>(t.n_expert)) fail(target, "probs shape");
    for (analysis::ExpertId e : t.experts) {
        if (e != analysis::kNoExpert && e >= t.n_expert) fail(target, "expert id " + std::to_string(e) + " >= n_expert");
    }
    for (size_t i = 1; i < t.sequences.size(); ++i) {
        if (t.sequences[i] < t.sequences[i - 1]) fail(target, "sequence ids go down");
    }
}

}  // namespace moe::fuzz
