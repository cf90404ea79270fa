#include "progress_line.h"

#include <cstdio>
#include <ostream>

namespace moe::cli {

ProgressLine::ProgressLine(std::ostream& err, std::string what, std::string unit)
    : err_(err), what_(std::move(what)), unit_(std::move(unit)) {}

void ProgressLine::update(int64_t done, int64_t total, int64_t tokens_done) {
    const auto now = Clock::now();
    if (last_ != Clock::time_point{} && now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const double tok_s = seconds > 0 ? tokens_done / seconds : 0;
    const double eta = done > 0 ? seconds * static_cast<double>(total - done) / static_cast<double>(done) : 0;
    char line[160];
    char rate[32] = "";
    if (tokens_done >= 0) std::snprintf(rate, sizeof rate, ", %.0f tok/s", tok_s);
    std::snprintf(line, sizeof line, "%s: %lld/%lld %s%s, ETA %.0f s\n", what_.c_str(), static_cast<long long>(done),
                  static_cast<long long>(total), unit_.c_str(), rate, eta);
    err_ << line << std::flush;
}

}  // namespace moe::cli
