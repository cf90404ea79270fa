// Reads a model's GGUF metadata by MetaKey, with range checks and errors that name the file
// and the key.
#pragma once

#include <cstdint>
#include <string>

#include "models/metadata_keys.h"

namespace moe {

namespace gguf {
class GgufFile;
}

class MetadataReader {
public:
    MetadataReader(const gguf::GgufFile& file, std::string arch) : file_(file), arch_(std::move(arch)) {}

    bool has(MetaKey key) const;
    // Any integer type, or a per-layer array whose non-zero entries agree. Throws EngineError
    // when required and missing, or outside min..max.
    int64_t integer(MetaKey key, int64_t fallback, int64_t min, int64_t max, bool required = false) const;
    // Throws EngineError when required and missing, or not finite.
    float real(MetaKey key, float fallback, bool required = false) const;
    bool flag(MetaKey key, bool fallback) const;
    std::string text(MetaKey key, const std::string& fallback) const;

    [[noreturn]] void fail(MetaKey key, const std::string& problem) const;

private:
    std::string name(MetaKey key) const { return key_name(key, arch_); }

    const gguf::GgufFile& file_;
    std::string arch_;
};

}  // namespace moe
