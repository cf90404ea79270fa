// Progress of long CLI work on stderr: done/total, tokens per second and ETA, at most one line
// per second so a log stays readable.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace moe::cli {

class ProgressLine {
public:
    ProgressLine(std::ostream& err, std::string what, std::string unit);
    // Prints when a second has passed since the last line (or this is the first call past 0).
    // tokens_done < 0: no tokens/s (e.g. while reading a file).
    void update(int64_t done, int64_t total, int64_t tokens_done);

private:
    using Clock = std::chrono::steady_clock;
    std::ostream& err_;
    std::string what_, unit_;
    Clock::time_point start_ = Clock::now();
    Clock::time_point last_{};
};

}  // namespace moe::cli
