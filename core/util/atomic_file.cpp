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
#include <utility>

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

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)), tmp_(path_ + kTempInfix + "XXXXXX") {
    fd_ = mkstemp(tmp_.data());
    if (fd_ < 0) throw os_error(path_, "cannot create a temporary file beside it");
    fchmod(fd_, 0644);
}

AtomicFileWriter::~AtomicFileWriter() {
    if (fd_ >= 0) abandon();
}

void AtomicFileWriter::abandon() {
    ::close(fd_);
    fd_ = -1;
    ::unlink(tmp_.c_str());
}

void AtomicFileWriter::write(std::string_view data) {
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            auto err = os_error(path_, "write failed");
            abandon();
            throw err;
        }
        done += static_cast<size_t>(n);
    }
}

void AtomicFileWriter::commit() {
    const int fd = std::exchange(fd_, -1);
    if (::fsync(fd) != 0) {
        auto err = os_error(path_, "flush failed");
        ::close(fd);
        ::unlink(tmp_.c_str());
        throw err;
    }
    if (::close(fd) != 0) {
        auto err = os_error(path_, "flush failed");
        ::unlink(tmp_.c_str());
        throw err;
    }
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
        auto err = os_error(path_, "rename failed");
        ::unlink(tmp_.c_str());
        throw err;
    }
    remove_stale_temp_files(path_, kStaleTempAge);
}

void write_file_atomically(const std::string& path, std::string_view data) {
    AtomicFileWriter file(path);
    file.write(data);
    file.commit();
}

}  // namespace moe
