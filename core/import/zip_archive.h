// The zip container of NumPy's .npz: a reader that streams one entry at a time (stored or
// deflated, zip64 sizes as numpy writes them) and a writer for what we export.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace moe::import {

struct ZipEntry {
    std::string name;
    uint16_t method = 0;  // 0 stored, 8 deflated
    uint32_t crc32 = 0;
    uint64_t compressed_size = 0, size = 0;
    uint64_t header_offset = 0;  // of the local file header
};

// Sequential bytes: a zip entry (inflated on the fly, size and CRC checked at the end) or a file.
class ByteStream {
public:
    virtual ~ByteStream() = default;
    // Fills up to `n` bytes; returns how many (0 at the end). Throws on corrupt data.
    virtual size_t read(void* out, size_t n) = 0;
    // Reads exactly `n` bytes or throws "ends early".
    void read_exact(void* out, size_t n);
    // The most bytes the stream can still give (its declared size less what was read), so a
    // header that declares more data than that is refused before anything is allocated for it.
    virtual uint64_t bytes_left() const = 0;
};

class ZipReader {
public:
    // Throws std::runtime_error("PATH: ...") when the file is missing or not a zip.
    explicit ZipReader(const std::string& path);
    ~ZipReader();
    const std::vector<ZipEntry>& entries() const { return entries_; }
    const ZipEntry* find(const std::string& name) const;
    std::unique_ptr<ByteStream> open(const ZipEntry& entry);
    const std::string& path() const { return path_; }

private:
    std::string path_;
    std::ifstream file_;
    uint64_t file_size_ = 0;
    std::vector<ZipEntry> entries_;
};

// Builds a zip archive in memory (entries under 4 GiB; the caller writes it atomically).
class ZipWriter {
public:
    void add(const std::string& name, const std::string& data, bool deflate);
    std::string finish();

private:
    std::string out_;
    std::string central_;
    uint16_t count_ = 0;
};

}  // namespace moe::import
