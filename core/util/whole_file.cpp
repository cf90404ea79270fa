#include "util/whole_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace moe {

std::optional<std::string> read_whole_file(const std::string& path, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = std::string("cannot read: ") + std::strerror(errno);
        return std::nullopt;
    }
    std::string bytes;
    char chunk[1 << 16];
    while (in.read(chunk, sizeof chunk) || in.gcount() > 0) bytes.append(chunk, static_cast<size_t>(in.gcount()));
    if (in.bad()) {
        error = std::string("cannot read: ") + std::strerror(errno);
        return std::nullopt;
    }
    return bytes;
}

}  // namespace moe
