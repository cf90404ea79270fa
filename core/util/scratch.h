// Working buffers of the forward pass, kept per call site and thread and reused across calls.
// A prefill's buffers are megabytes: fresh ones per layer cost a page fault per 4 KiB and a
// zeroing pass on the calling thread while the workers wait (about a fifth of a 256-token
// prefill). Kept for good, though, they would stay resident through the whole decode that
// follows (twice the KV cache on a small model), so a ScratchRelease scope hands every buffer of
// its thread back to the OS when a multi-token pass ends, unless they are small next to the
// model (then the next prefill is spared its round of page faults).
#pragma once

#include <cstddef>
#include <cstdint>

namespace moe {

class ScratchBuffer {
public:
    ScratchBuffer();
    ~ScratchBuffer();
    ScratchBuffer(const ScratchBuffer&) = delete;
    ScratchBuffer& operator=(const ScratchBuffer&) = delete;

    // At least `bytes` bytes, 64-byte aligned; the contents are whatever an earlier call left
    // (zero after a release). Valid until the next call or release.
    void* get(size_t n_bytes);
    template <class T = float>
    T* items(size_t n) {
        return static_cast<T*>(get(n * sizeof(T)));
    }
    float* floats(size_t n) { return items<float>(n); }

    // Returns the memory to the OS.
    void release();
    size_t capacity() const { return capacity_; }

    // Every buffer of the calling thread: released, or the bytes they hold.
    static void release_all_on_this_thread();
    static size_t bytes_on_this_thread();

private:
    void* data_ = nullptr;
    size_t capacity_ = 0;
    ScratchBuffer* previous_ = nullptr;  // this thread's buffers, a doubly linked list
    ScratchBuffer* next_ = nullptr;
};

// Releases every ScratchBuffer of the calling thread when it closes, if `release` is set and
// they hold more than `keep_bytes` together.
class ScratchRelease {
public:
    ScratchRelease(bool release, size_t keep_bytes) : release_(release), keep_bytes_(keep_bytes) {}
    ~ScratchRelease() {
        if (release_ && ScratchBuffer::bytes_on_this_thread() > keep_bytes_) ScratchBuffer::release_all_on_this_thread();
    }
    ScratchRelease(const ScratchRelease&) = delete;
    ScratchRelease& operator=(const ScratchRelease&) = delete;

private:
    bool release_;
    size_t keep_bytes_;
};

}  // namespace moe
