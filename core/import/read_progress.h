// How a long trace read reports progress and is cancelled (the app's Open Trace dialog).
#pragma once

#include <functional>
#include <stdexcept>

namespace moe::import {

// Called with the fraction read so far, in [0, 1]; returning false stops the read, which then
// throws ReadCancelled and returns nothing (no half-loaded table).
using ReadProgress = std::function<bool(double fraction)>;

class ReadCancelled : public std::runtime_error {
public:
    ReadCancelled() : std::runtime_error("cancelled") {}
};

}  // namespace moe::import
