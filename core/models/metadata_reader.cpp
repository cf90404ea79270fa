#include "models/metadata_reader.h"

#include <cmath>

#include "gguf/gguf_file.h"
#include "models/model_options.h"

namespace moe {

bool MetadataReader::has(MetaKey key) const { return file_.has(name(key)); }

int64_t MetadataReader::integer(MetaKey key, int64_t fallback, int64_t min, int64_t max, bool required) const {
    const gguf::Value* value = file_.find(name(key));
    if (!value) {
        if (required) fail(key, "is missing");
        return fallback;
    }
    int64_t v = 0;
    if (value->type == gguf::ValueType::ARRAY) {
        const auto& items = value->as_array().items;
        if (items.empty()) fail(key, "is an empty array");
        v = items[0].as_int();
        for (const auto& item : items)
            if (item.as_int() != v && item.as_int() != 0) fail(key, "varies per layer, which MoEScope does not support");
    } else {
        v = value->as_int();
    }
    if (v < min || v > max)
        fail(key, "is " + std::to_string(v) + ", outside the range " + std::to_string(min) + ".." + std::to_string(max));
    return v;
}

float MetadataReader::real(MetaKey key, float fallback, bool required) const {
    auto v = file_.get_float(name(key));
    if (!v) {
        if (required) fail(key, "is missing");
        return fallback;
    }
    if (!std::isfinite(*v)) fail(key, "is not a finite number");
    return static_cast<float>(*v);
}

bool MetadataReader::flag(MetaKey key, bool fallback) const { return file_.get_bool(name(key)).value_or(fallback); }

std::string MetadataReader::text(MetaKey key, const std::string& fallback) const {
    return file_.get_string(name(key)).value_or(fallback);
}

void MetadataReader::fail(MetaKey key, const std::string& problem) const {
    throw EngineError(file_.path() + ": metadata key '" + name(key) + "' " + problem);
}

}  // namespace moe
