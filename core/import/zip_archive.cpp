#include "import/zip_archive.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace moe::import {

namespace {

constexpr uint32_t kLocalHeader = 0x04034b50, kCentralHeader = 0x02014b50;
constexpr uint32_t kEndOfDirectory = 0x06054b50, kZip64End = 0x06064b50, kZip64Locator = 0x07064b50;
constexpr size_t kLocalHeaderSize = 30, kCentralHeaderSize = 46, kEndSize = 22;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint32_t kZip64Marker = 0xFFFFFFFF;
// Compressed bytes read per refill; a small entry gets a buffer of its own size.
constexpr uint64_t kInflateChunk = 1 << 16;
// Deflate's best case is a 258-byte match coded in 2 bits: no entry inflates to more than
// 1032 times its compressed size (plus a little for block headers).
constexpr uint64_t kMaxDeflateRatio = 1032, kDeflateSlack = 1024;

uint64_t load_le(const unsigned char* p, int bytes) {
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

void store_le(std::string& out, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
    throw std::runtime_error(path + ": " + problem);
}

class ByteSource {
public:
    ByteSource(std::ifstream& file, const std::string& path, uint64_t offset, uint64_t size)
        : file_(file), path_(path), offset_(offset), remaining_(size) {}
    size_t read(void* out, size_t n) {
        n = static_cast<size_t>(std::min<uint64_t>(n, remaining_));
        if (n == 0) return 0;
        file_.clear();
        file_.seekg(static_cast<std::streamoff>(offset_));
        file_.read(static_cast<char*>(out), static_cast<std::streamsize>(n));
        if (static_cast<size_t>(file_.gcount()) != n) fail(path_, "zip entry data ends early (truncated file)");
        offset_ += n;
        remaining_ -= n;
        return n;
    }
    uint64_t remaining() const { return remaining_; }

private:
    std::ifstream& file_;
    const std::string& path_;
    uint64_t offset_, remaining_;
};

// Shared end-of-entry checks: the entry must produce exactly its declared size and CRC.
class CheckedStream : public ByteStream {
public:
    CheckedStream(const std::string& path, const ZipEntry& entry) : path_(path), entry_(entry) {}

protected:
    size_t account(const void* data, size_t n) {
        produced_ += n;
        if (produced_ > entry_.size) fail(path_, "zip entry '" + entry_.name + "' is longer than its header says");
        crc_ = ::crc32(crc_, static_cast<const Bytef*>(data), static_cast<uInt>(n));
        if (produced_ == entry_.size && crc_ != entry_.crc32)
            fail(path_, "zip entry '" + entry_.name + "' fails its CRC check (corrupt file)");
        return n;
    }
    uint64_t declared_left() const { return entry_.size - produced_; }
    void check_complete() const {
        if (produced_ != entry_.size) fail(path_, "zip entry '" + entry_.name + "' ends early (truncated file)");
    }
    const std::string& path_;
    ZipEntry entry_;
    uint64_t produced_ = 0;
    uLong crc_ = ::crc32(0, nullptr, 0);
};

class StoredStream : public CheckedStream {
public:
    StoredStream(std::ifstream& file, const std::string& path, const ZipEntry& entry, uint64_t data_offset)
        : CheckedStream(path, entry), source_(file, path, data_offset, entry.compressed_size) {}
    size_t read(void* out, size_t n) override {
        const size_t got = source_.read(out, n);
        if (got == 0 && n > 0) check_complete();
        return account(out, got);
    }
    uint64_t bytes_left() const override { return std::min(declared_left(), source_.remaining()); }

private:
    ByteSource source_;
};

class InflateStream : public CheckedStream {
public:
    InflateStream(std::ifstream& file, const std::string& path, const ZipEntry& entry, uint64_t data_offset)
        : CheckedStream(path, entry),
          source_(file, path, data_offset, entry.compressed_size),
          input_(static_cast<size_t>(std::clamp<uint64_t>(entry.compressed_size, 1, kInflateChunk))) {
        if (inflateInit2(&z_, -MAX_WBITS) != Z_OK) fail(path, "cannot start zlib");
    }
    ~InflateStream() override { inflateEnd(&z_); }
    size_t read(void* out, size_t n) override {
        if (n == 0 || finished_) {
            if (n > 0) check_complete();
            return 0;
        }
        z_.next_out = static_cast<Bytef*>(out);
        z_.avail_out = static_cast<uInt>(std::min<size_t>(n, std::numeric_limits<uInt>::max()));
        while (z_.avail_out > 0 && !finished_) {
            if (z_.avail_in == 0) {
                z_.avail_in = static_cast<uInt>(source_.read(input_.data(), input_.size()));
                z_.next_in = input_.data();
                if (z_.avail_in == 0) fail(path_, "zip entry '" + entry_.name + "' ends early (truncated file)");
            }
            const int status = inflate(&z_, Z_NO_FLUSH);
            if (status == Z_STREAM_END) finished_ = true;
            else if (status != Z_OK)
                fail(path_, "zip entry '" + entry_.name + "' has corrupt deflate data");
        }
        const size_t got = static_cast<size_t>(z_.next_out - static_cast<Bytef*>(out));
        if (got == 0) check_complete();
        return account(out, got);
    }
    uint64_t bytes_left() const override { return declared_left(); }

private:
    ByteSource source_;
    std::vector<Bytef> input_;
    z_stream z_{};
    bool finished_ = false;
};

// Zip64 extra field: the 64-bit values replace, in order, those 32-bit fields that were 0xFFFFFFFF.
void apply_zip64_extra(ZipEntry& entry, const unsigned char* extra, size_t length, bool size_marked,
                       bool compressed_marked, bool offset_marked) {
    size_t at = 0;
    while (at + 4 <= length) {
        const auto id = static_cast<uint16_t>(load_le(extra + at, 2));
        const auto field_size = static_cast<size_t>(load_le(extra + at + 2, 2));
        const unsigned char* field = extra + at + 4;
        if (at + 4 + field_size > length) return;
        if (id == kZip64ExtraId) {
            size_t f = 0;
            auto take = [&](uint64_t& target, bool marked) {
                if (!marked || f + 8 > field_size) return;
                target = load_le(field + f, 8);
                f += 8;
            };
            take(entry.size, size_marked);
            take(entry.compressed_size, compressed_marked);
            take(entry.header_offset, offset_marked);
        }
        at += 4 + field_size;
    }
}

}  // namespace

void ByteStream::read_exact(void* out, size_t n) {
    auto* bytes = static_cast<char*>(out);
    while (n > 0) {
        const size_t got = read(bytes, n);
        if (got == 0) throw std::runtime_error("ends early");
        bytes += got;
        n -= got;
    }
}

ZipReader::ZipReader(const std::string& path) : path_(path), file_(path, std::ios::binary) {
    if (!file_) fail(path, "cannot open the file");
    file_.seekg(0, std::ios::end);
    file_size_ = static_cast<uint64_t>(file_.tellg());
    if (file_size_ < kEndSize) fail(path, "not a zip archive (too short; truncated?)");

    // The end record sits in the last 22 bytes plus an optional comment of up to 65535.
    const uint64_t tail_size = std::min<uint64_t>(file_size_, kEndSize + 0xFFFF);
    std::vector<unsigned char> tail(tail_size);
    file_.seekg(static_cast<std::streamoff>(file_size_ - tail_size));
    file_.read(reinterpret_cast<char*>(tail.data()), static_cast<std::streamsize>(tail_size));
    int64_t end_at = -1;
    for (int64_t i = static_cast<int64_t>(tail_size - kEndSize); i >= 0; --i)
        if (load_le(&tail[i], 4) == kEndOfDirectory) {
            end_at = i;
            break;
        }
    if (end_at < 0) fail(path, "not a zip archive or truncated (no end-of-directory record)");
    const unsigned char* end = &tail[end_at];
    uint64_t count = load_le(end + 10, 2);
    uint64_t directory_size = load_le(end + 12, 4);
    uint64_t directory_offset = load_le(end + 16, 4);
    if (directory_offset == kZip64Marker || count == 0xFFFF) {
        if (end_at < 20 || load_le(end - 20, 4) != kZip64Locator) fail(path, "zip64 locator is missing");
        const uint64_t zip64_end = load_le(end - 20 + 8, 8);
        unsigned char record[56];
        if (zip64_end + sizeof record > file_size_) fail(path, "zip64 end record is outside the file");
        file_.seekg(static_cast<std::streamoff>(zip64_end));
        file_.read(reinterpret_cast<char*>(record), sizeof record);
        if (load_le(record, 4) != kZip64End) fail(path, "zip64 end record is corrupt");
        count = load_le(record + 32, 8);
        directory_size = load_le(record + 40, 8);
        directory_offset = load_le(record + 48, 8);
    }
    if (directory_offset + directory_size > file_size_) fail(path, "zip directory is outside the file (truncated?)");

    std::vector<unsigned char> directory(directory_size);
    file_.seekg(static_cast<std::streamoff>(directory_offset));
    file_.read(reinterpret_cast<char*>(directory.data()), static_cast<std::streamsize>(directory_size));
    size_t at = 0;
    for (uint64_t i = 0; i < count; ++i) {
        if (at + kCentralHeaderSize > directory.size() || load_le(&directory[at], 4) != kCentralHeader)
            fail(path, "zip directory is corrupt");
        const unsigned char* h = &directory[at];
        ZipEntry entry;
        const auto flags = load_le(h + 8, 2);
        entry.method = static_cast<uint16_t>(load_le(h + 10, 2));
        entry.crc32 = static_cast<uint32_t>(load_le(h + 16, 4));
        entry.compressed_size = load_le(h + 20, 4);
        entry.size = load_le(h + 24, 4);
        const size_t name_length = load_le(h + 28, 2), extra_length = load_le(h + 30, 2);
        const size_t comment_length = load_le(h + 32, 2);
        entry.header_offset = load_le(h + 42, 4);
        if (at + kCentralHeaderSize + name_length + extra_length + comment_length > directory.size())
            fail(path, "zip directory is corrupt");
        entry.name.assign(reinterpret_cast<const char*>(h + kCentralHeaderSize), name_length);
        apply_zip64_extra(entry, h + kCentralHeaderSize + name_length, extra_length, entry.size == kZip64Marker,
                          entry.compressed_size == kZip64Marker, entry.header_offset == kZip64Marker);
        if (flags & 1) fail(path, "zip entry '" + entry.name + "' is encrypted");
        if (entry.method != 0 && entry.method != 8)
            fail(path, "zip entry '" + entry.name + "' uses compression method " + std::to_string(entry.method) +
                           " (only stored and deflated are supported)");
        entries_.push_back(std::move(entry));
        at += kCentralHeaderSize + name_length + extra_length + comment_length;
    }
}

ZipReader::~ZipReader() = default;

const ZipEntry* ZipReader::find(const std::string& name) const {
    for (const ZipEntry& entry : entries_)
        if (entry.name == name) return &entry;
    return nullptr;
}

std::unique_ptr<ByteStream> ZipReader::open(const ZipEntry& entry) {
    unsigned char local[kLocalHeaderSize];
    if (entry.header_offset + kLocalHeaderSize > file_size_) fail(path_, "zip entry '" + entry.name + "' is outside the file (truncated?)");
    file_.clear();
    file_.seekg(static_cast<std::streamoff>(entry.header_offset));
    file_.read(reinterpret_cast<char*>(local), sizeof local);
    if (load_le(local, 4) != kLocalHeader) fail(path_, "zip entry '" + entry.name + "' has a corrupt header");
    const uint64_t data_offset = entry.header_offset + kLocalHeaderSize + load_le(local + 26, 2) + load_le(local + 28, 2);
    if (data_offset + entry.compressed_size > file_size_)
        fail(path_, "zip entry '" + entry.name + "' is cut off (truncated file)");
    if (entry.method == 0) {
        if (entry.compressed_size != entry.size) fail(path_, "zip entry '" + entry.name + "' has inconsistent sizes");
        return std::make_unique<StoredStream>(file_, path_, entry, data_offset);
    }
    if (entry.size > entry.compressed_size * kMaxDeflateRatio + kDeflateSlack)
        fail(path_, "zip entry '" + entry.name + "' declares " + std::to_string(entry.size) + " bytes, more than its " +
                        std::to_string(entry.compressed_size) + " compressed bytes can hold (corrupt file)");
    return std::make_unique<InflateStream>(file_, path_, entry, data_offset);
}

void ZipWriter::add(const std::string& name, const std::string& data, bool deflate) {
    std::string payload = data;
    if (deflate) {
        z_stream z{};
        if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            throw std::runtime_error("cannot start zlib");
        payload.resize(deflateBound(&z, static_cast<uLong>(data.size())));
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
        z.avail_in = static_cast<uInt>(data.size());
        z.next_out = reinterpret_cast<Bytef*>(payload.data());
        z.avail_out = static_cast<uInt>(payload.size());
        const int status = ::deflate(&z, Z_FINISH);
        payload.resize(z.total_out);
        deflateEnd(&z);
        if (status != Z_STREAM_END) throw std::runtime_error("zlib could not compress '" + name + "'");
    }
    if (out_.size() + payload.size() + name.size() + kLocalHeaderSize > kZip64Marker || count_ == 0xFFFF)
        throw std::runtime_error("the archive would exceed 4 GiB (zip64 is not written)");
    const uint32_t crc = static_cast<uint32_t>(::crc32(::crc32(0, nullptr, 0), reinterpret_cast<const Bytef*>(data.data()),
                                                       static_cast<uInt>(data.size())));
    const uint16_t method = deflate ? 8 : 0;
    const uint64_t offset = out_.size();
    // Fixed timestamps (1980-01-01 00:00) so the same trace gives the same bytes.
    auto common = [&](std::string& h) {
        store_le(h, 20, 2);  // version needed: 2.0
        store_le(h, 0, 2);   // flags
        store_le(h, method, 2);
        store_le(h, 0, 2);
        store_le(h, (1 << 5) | 1, 2);
        store_le(h, crc, 4);
        store_le(h, payload.size(), 4);
        store_le(h, data.size(), 4);
        store_le(h, name.size(), 2);
        store_le(h, 0, 2);  // extra length
    };
    store_le(out_, kLocalHeader, 4);
    common(out_);
    out_ += name;
    out_ += payload;

    store_le(central_, kCentralHeader, 4);
    store_le(central_, 20, 2);  // version made by
    common(central_);
    store_le(central_, 0, 2);  // comment length
    store_le(central_, 0, 2);  // disk
    store_le(central_, 0, 2);  // internal attributes
    store_le(central_, 0, 4);  // external attributes
    store_le(central_, offset, 4);
    central_ += name;
    ++count_;
}

std::string ZipWriter::finish() {
    const uint64_t directory_offset = out_.size();
    out_ += central_;
    store_le(out_, kEndOfDirectory, 4);
    store_le(out_, 0, 2);
    store_le(out_, 0, 2);
    store_le(out_, count_, 2);
    store_le(out_, count_, 2);
    store_le(out_, central_.size(), 4);
    store_le(out_, directory_offset, 4);
    store_le(out_, 0, 2);
    central_.clear();
    count_ = 0;
    return std::move(out_);
}

}  // namespace moe::import
