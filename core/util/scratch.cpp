#include "util/scratch.h"

#include <sys/mman.h>

#include <new>

namespace moe {
namespace {

// The head of the calling thread's list: a plain pointer, so it needs no destruction order
// against the thread_local buffers that link into it.
thread_local ScratchBuffer* thread_buffers = nullptr;

constexpr size_t kPage = 4096;
constexpr size_t kHugePage = 2 << 20;

}  // namespace

ScratchBuffer::ScratchBuffer() : next_(thread_buffers) {
    if (next_) next_->previous_ = this;
    thread_buffers = this;
}

ScratchBuffer::~ScratchBuffer() {
    release();
    if (previous_) previous_->next_ = next_;
    else thread_buffers = next_;
    if (next_) next_->previous_ = previous_;
}

// Mapped straight from the OS rather than through malloc, whose heap may keep freed megabytes
// resident (glibc raises its mmap threshold after the first large free).
void* ScratchBuffer::get(size_t n_bytes) {
    if (n_bytes <= capacity_) return data_;
    release();
    const size_t size = (n_bytes + kPage - 1) / kPage * kPage;
    void* data = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (data == MAP_FAILED) throw std::bad_alloc();
    // A prefill maps about a hundred megabytes afresh: in 2 MiB pages that is a few dozen page
    // faults instead of tens of thousands (a hint; without transparent huge pages nothing changes).
    if (size >= kHugePage) ::madvise(data, size, MADV_HUGEPAGE);
    data_ = data;
    capacity_ = size;
    return data_;
}

void ScratchBuffer::release() {
    if (data_) ::munmap(data_, capacity_);
    data_ = nullptr;
    capacity_ = 0;
}

void ScratchBuffer::release_all_on_this_thread() {
    for (ScratchBuffer* buffer = thread_buffers; buffer; buffer = buffer->next_) buffer->release();
}

size_t ScratchBuffer::bytes_on_this_thread() {
    size_t total = 0;
    for (const ScratchBuffer* buffer = thread_buffers; buffer; buffer = buffer->next_) total += buffer->capacity();
    return total;
}

}  // namespace moe
