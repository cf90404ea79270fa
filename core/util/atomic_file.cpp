#include "util/atomic_file.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace moe {

namespace {

constexpr const char* kTempInfix = ".tmp-";

std::runtime_error os_error(const std::string& path, const char* what) {
    return std::runtime_error("cannot write '" + path + "': " + what + ": " + std::strerror(errno));
}

bool is_temp_name_of(const std::string& name, const std::string& base) {
    const std::string prefix = base + kTempInfix;
    if (name.size() != prefix.size() + 6 || name.compare(0, prefix.size(), prefix) != 0) return false;
    return std::all_of(name.begin() + static_cast<std::ptrdiff_t>(prefix.size()), name.end(),
                       [](unsigned char c) { return std::isalnum(c); });
}

}  // namespace

void remove_stale_temp_files(const std::string& path, std::chrono::seconds min_age) {
    namespace fs = std::filesystem;
    const fs::path target(path);
    const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
    const std::string base = target.filename().string();
    const auto now = fs::file_time_type::clock::now();
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        if (!is_temp_name_of(it->path().filename().string(), base)) continue;
        std::error_code entry_ec;
        const auto modified = fs::last_write_time(it->path(), entry_ec);
        if (!entry_ec && now - modified >= min_age) fs::remove(it->path(), entry_ec);
    }
}

void write_file_atomically(const std::string& path, std::string_view data) {
    std::string tmp = path + kTempInfix + "XXXXXX";
    int fd = mkstemp(tmp.data());
    if (fd < 0) throw os_error(path, "cannot create a temporary file beside it");
    fchmod(fd, 0644);
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            auto err = os_error(path, "write failed");
            ::close(fd);
            ::unlink(tmp.c_str());
            throw err;
        }
        done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        auto err = os_error(path, "flush failed");
        ::unlink(tmp.c_str());
        throw err;
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        auto err = os_error(path, "rename failed");
        ::unlink(tmp.c_str());
        throw err;
    }
    remove_stale_temp_files(path, kStaleTempAge);
}

}  // namespace moe
