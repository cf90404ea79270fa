#include "util/huge_pages.h"

#include <sys/mman.h>

#include <fstream>
#include <new>
#include <string>
#include <utility>

namespace moe {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

}  // namespace

HugePageMemory::HugePageMemory(size_t bytes) {
    if (bytes == 0) return;
    const size_t size = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    // Over-map by one huge page and trim, so the kept range starts on a 2 MiB boundary (mmap
    // only promises 4 KiB alignment, and a huge page must be aligned).
    void* raw = ::mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<uintptr_t>(raw);
    const uintptr_t aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
    if (aligned > start) ::munmap(raw, aligned - start);
    if (const size_t tail = start + size + kHugePage - (aligned + size); tail > 0)
        ::munmap(reinterpret_cast<void*>(aligned + size), tail);
    data_ = reinterpret_cast<uint8_t*>(aligned);
    size_ = size;
    ::madvise(data_, size_, MADV_HUGEPAGE);  // a hint: without it the memory works as usual
}

HugePageMemory::~HugePageMemory() {
    if (data_) ::munmap(data_, size_);
}

HugePageMemory::HugePageMemory(HugePageMemory&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

HugePageMemory& HugePageMemory::operator=(HugePageMemory&& other) noexcept {
    if (this != &other) {
        if (data_) ::munmap(data_, size_);
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

bool huge_pages_available() {
    std::ifstream setting("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string line;
    std::getline(setting, line);  // e.g. "always [madvise] never": the bracketed word is in force
    return line.find("[always]") != std::string::npos || line.find("[madvise]") != std::string::npos;
}

uint64_t available_memory_bytes() {
    std::ifstream meminfo("/proc/meminfo");
    for (std::string key; meminfo >> key;) {
        uint64_t kib = 0;
        meminfo >> kib;
        if (key == "MemAvailable:") return kib * 1024;
        meminfo.ignore(64, '\n');
    }
    return 0;
}

}  // namespace moe
