// Hand-assembled GGUF bytes for the gguf tests, independent of GgufWriter so that the reader is
// checked against the format itself and corrupt files can be crafted field by field.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gguf/gguf_file.h"

namespace moe::gguf::test {

struct RawGguf {
    std::vector<uint8_t> bytes;

    template <class T>
    RawGguf& put(T value) {
        const size_t at = bytes.size();
        bytes.resize(at + sizeof(T));
        std::memcpy(bytes.data() + at, &value, sizeof(T));
        return *this;
    }
    RawGguf& u8(uint8_t v) { return put(v); }
    RawGguf& u32(uint32_t v) { return put(v); }
    RawGguf& u64(uint64_t v) { return put(v); }
    RawGguf& str(const std::string& s) {
        u64(s.size());
        bytes.insert(bytes.end(), s.begin(), s.end());
        return *this;
    }
    RawGguf& header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
        bytes.insert(bytes.end(), {'G', 'G', 'U', 'F'});
        return u32(version).u64(n_tensors).u64(n_kv);
    }
    // A kv pair whose value is one uint32 (value type id 4).
    RawGguf& kv_u32(const std::string& key, uint32_t v) { return str(key).u32(4).u32(v); }
    RawGguf& tensor_info(const std::string& name, std::vector<uint64_t> ne, uint32_t type, uint64_t offset) {
        str(name).u32(static_cast<uint32_t>(ne.size()));
        for (uint64_t n : ne) u64(n);
        return u32(type).u64(offset);
    }
    RawGguf& pad_to(size_t alignment) {
        bytes.resize((bytes.size() + alignment - 1) / alignment * alignment, 0);
        return *this;
    }
    RawGguf& zeros(size_t n) {
        bytes.resize(bytes.size() + n, 0);
        return *this;
    }
    size_t size() const { return bytes.size(); }
};

inline constexpr const char* kTestName = "test.gguf";

inline std::unique_ptr<GgufFile> parse_bytes(const std::vector<uint8_t>& bytes, size_t size) {
    return GgufFile::parse(bytes.data(), size, kTestName);
}
inline std::unique_ptr<GgufFile> parse_bytes(const std::vector<uint8_t>& bytes) {
    return parse_bytes(bytes, bytes.size());
}

// The GgufError message for these bytes, or "" when they parse.
inline std::string parse_error(const std::vector<uint8_t>& bytes, size_t size) {
    try {
        parse_bytes(bytes, size);
    } catch (const GgufError& e) {
        return e.what();
    }
    return {};
}
inline std::string parse_error(const std::vector<uint8_t>& bytes) { return parse_error(bytes, bytes.size()); }

}  // namespace moe::gguf::test
