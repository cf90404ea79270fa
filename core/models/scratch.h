// Working buffers of the forward pass, kept per call site and thread and reused across calls.
// A prefill's buffers are megabytes: fresh ones cost a page fault per 4 KiB and a zeroing pass on
// the calling thread while the workers wait (about a fifth of a 256-token prefill).
#pragma once

#include <cstddef>
#include <vector>

namespace moe {

class ScratchBuffer {
public:
    // At least n floats; the contents are whatever an earlier call left. Valid until the next call.
    float* floats(size_t n) {
        if (data_.size() < n) data_.resize(n);
        return data_.data();
    }

private:
    std::vector<float> data_;
};

}  // namespace moe
