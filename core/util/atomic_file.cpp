#include "util/atomic_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace moe {

namespace {

std::runtime_error os_error(const std::string& path, const char* what) {
    return std::runtime_error("cannot write '" + path + "': " + what + ": " + std::strerror(errno));
}

}  // namespace

void write_file_atomically(const std::string& path, std::string_view data) {
    std::string tmp = path + ".tmp-XXXXXX";
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
}

}  // namespace moe
