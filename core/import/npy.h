// NumPy's .npy array format: the header, and the elements streamed in chunks converted to
// int64 or float, so a 50 M-id array is never held in its file dtype nor as int64.
// Little-endian (or byte-sized) integers and floats, C order; also the byte (|S) and
// unicode (<U) strings that hold text metadata.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "import/zip_archive.h"

namespace moe::import {

struct NpyHeader {
    std::string descr;            // as written, e.g. "<i8"
    char kind = 0;                // 'i' signed, 'u' unsigned, 'f' float, 'S' bytes, 'U' unicode
    int item_size = 0;            // bytes per element
    std::vector<uint64_t> shape;  // () for a 0-d array
    uint64_t count() const;       // elements
    std::string shape_text() const;  // "[3, 4, 2]"
};

// Reads the magic, version and header dict. Throws std::runtime_error("WHERE: problem")
// for a bad magic, Fortran order, a big-endian or unsupported dtype, or a malformed shape.
NpyHeader read_npy_header(ByteStream& in, const std::string& where);

// The elements in C order, a chunk at a time. Integers only for read_npy_ints ("wrong dtype"
// otherwise); integers or floats for read_npy_floats.
void read_npy_ints(ByteStream& in, const NpyHeader& header, const std::string& where,
                   const std::function<void(const int64_t* values, size_t n)>& sink);
void read_npy_floats(ByteStream& in, const NpyHeader& header, const std::string& where,
                     const std::function<void(const float* values, size_t n)>& sink);
// |S or <U strings, as UTF-8 (|S bytes as they are), trailing NULs removed as NumPy does.
std::vector<std::string> read_npy_strings(ByteStream& in, const NpyHeader& header, const std::string& where);

// A complete .npy (format 1.0) of `data`, which holds count(shape) elements of `descr`.
std::string npy_bytes(std::string_view descr, const std::vector<uint64_t>& shape, std::string_view data);

// A plain .npy file as a ByteStream.
class FileByteStream : public ByteStream {
public:
    explicit FileByteStream(const std::string& path);
    size_t read(void* out, size_t n) override;
    uint64_t bytes_left() const override { return left_; }

private:
    std::ifstream file_;
    uint64_t left_ = 0;
};

}  // namespace moe::import
