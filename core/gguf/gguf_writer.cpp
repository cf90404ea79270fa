#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <utility>

#include "gguf/gguf_file.h"
#include "gguf/gguf_layout.h"
#include "util/atomic_file.h"

namespace moe::gguf {

namespace {

// Appends little-endian fields to a byte buffer (the host is little-endian, see gguf_file.cpp).
class ByteWriter {
public:
    explicit ByteWriter(std::vector<uint8_t>& out) : out_(out) {}

    template <class T>
    void put(T value) {
        put_bytes(&value, sizeof(T));
    }
    void put_bytes(const void* data, size_t n) {
        if (n == 0) return;
        const size_t at = out_.size();
        out_.resize(at + n);
        std::memcpy(out_.data() + at, data, n);
    }
    void put_string(const std::string& s) {
        put<uint64_t>(s.size());
        put_bytes(s.data(), s.size());
    }
    void pad_to(uint64_t alignment) { out_.resize(layout::align_up(out_.size(), alignment), 0); }

private:
    std::vector<uint8_t>& out_;
};

[[noreturn]] void bad_value(const std::string& key, const std::string& problem) {
    throw std::invalid_argument("GgufWriter: key '" + key + "': " + problem);
}

void check_alignment(uint64_t alignment) {
    if (!layout::is_power_of_two(alignment) || alignment > layout::kMaxAlignment) {
        throw std::invalid_argument("GgufWriter: alignment " + std::to_string(alignment) +
                                    " is not a power of two up to " + std::to_string(layout::kMaxAlignment));
    }
}

// The stored alternative must match the declared type and the number must fit in it.
template <class Narrow, class Wide>
Narrow narrowed(const Value& v, const std::string& key) {
    const auto* wide = std::get_if<Wide>(&v.data);
    if (!wide) bad_value(key, std::string(value_type_name(v.type)) + " value holds the wrong C++ type");
    if (!std::in_range<Narrow>(*wide)) bad_value(key, std::to_string(*wide) + " does not fit in " + value_type_name(v.type));
    return static_cast<Narrow>(*wide);
}

float to_float32(const Value& v, const std::string& key) {
    const double x = v.as_double();
    if (std::isfinite(x) && std::fabs(x) > std::numeric_limits<float>::max()) {
        bad_value(key, std::to_string(x) + " does not fit in FLOAT32");
    }
    return static_cast<float>(x);
}

void encode_value(ByteWriter& w, const Value& v, const std::string& key, int depth) {
    switch (v.type) {
        case ValueType::UINT8: return w.put(narrowed<uint8_t, uint64_t>(v, key));
        case ValueType::INT8: return w.put(narrowed<int8_t, int64_t>(v, key));
        case ValueType::UINT16: return w.put(narrowed<uint16_t, uint64_t>(v, key));
        case ValueType::INT16: return w.put(narrowed<int16_t, int64_t>(v, key));
        case ValueType::UINT32: return w.put(narrowed<uint32_t, uint64_t>(v, key));
        case ValueType::INT32: return w.put(narrowed<int32_t, int64_t>(v, key));
        case ValueType::UINT64: return w.put(narrowed<uint64_t, uint64_t>(v, key));
        case ValueType::INT64: return w.put(narrowed<int64_t, int64_t>(v, key));
        case ValueType::FLOAT32: return w.put(to_float32(v, key));
        case ValueType::FLOAT64: return w.put(v.as_double());
        case ValueType::BOOL: return w.put<uint8_t>(v.as_bool() ? 1 : 0);
        case ValueType::STRING: return w.put_string(v.as_string());
        case ValueType::ARRAY: {
            if (depth >= kMaxArrayNesting) bad_value(key, "arrays nested deeper than the reader accepts");
            const ArrayValue& array = v.as_array();
            w.put(static_cast<uint32_t>(array.element_type));
            w.put<uint64_t>(array.items.size());
            for (const Value& item : array.items) {
                if (item.type != array.element_type) {
                    bad_value(key, std::string("array of ") + value_type_name(array.element_type) + " holds a " +
                                       value_type_name(item.type));
                }
                encode_value(w, item, key, depth + 1);
            }
            return;
        }
    }
    bad_value(key, "unknown value type " + std::to_string(static_cast<uint32_t>(v.type)));
}

}  // namespace

void GgufWriter::set(const std::string& key, Value value) {
    if (key == layout::kAlignmentKey) {
        // Kept as a key even at the default 32, so a file read and written back keeps every key.
        const auto* alignment = std::get_if<uint64_t>(&value.data);
        if (value.type != ValueType::UINT32 || !alignment) bad_value(key, "must be UINT32");
        check_alignment(*alignment);
        alignment_ = static_cast<uint32_t>(*alignment);
        alignment_key_ = true;
    }
    for (auto& [existing_key, existing_value] : kv_) {
        if (existing_key == key) {
            existing_value = std::move(value);
            return;
        }
    }
    kv_.emplace_back(key, std::move(value));
}

uint64_t GgufWriter::checked_byte_size(const std::string& name, GgmlType type, const std::vector<int64_t>& ne) const {
    auto fail = [&name](const std::string& problem) {
        throw std::invalid_argument("GgufWriter: tensor '" + name + "': " + problem);
    };
    for (const PendingTensor& t : tensors_) {
        if (t.name == name) fail("added twice");
    }
    const TypeTraits* traits = type_traits(static_cast<uint32_t>(type));
    if (!traits) fail("unknown " + type_name(type));
    if (ne.empty() || ne.size() > layout::kMaxDims) fail("needs 1 to 4 dimensions");
    for (int64_t n : ne) {
        if (n <= 0) fail("dimensions must be positive");
    }
    if (ne[0] % traits->block_size != 0) {
        fail("ne[0] = " + std::to_string(ne[0]) + " is not a multiple of the " + traits->name + " block size");
    }
    uint64_t nbytes = row_bytes(type, ne[0]);
    for (size_t d = 1; d < ne.size(); ++d) {
        if (__builtin_mul_overflow(nbytes, static_cast<uint64_t>(ne[d]), &nbytes)) fail("byte size overflows");
    }
    return nbytes;
}

void GgufWriter::add_streamed_tensor(const std::string& name, GgmlType type, const std::vector<int64_t>& ne,
                                     TensorFiller fill) {
    tensors_.push_back({name, type, ne, checked_byte_size(name, type, ne), std::move(fill)});
}

void GgufWriter::add_tensor(const std::string& name, GgmlType type, const std::vector<int64_t>& ne,
                            std::vector<uint8_t> data) {
    const uint64_t nbytes = checked_byte_size(name, type, ne);
    if (data.size() != nbytes) {
        throw std::invalid_argument("GgufWriter: tensor '" + name + "': has " + std::to_string(data.size()) +
                                    " bytes of data, its shape needs " + std::to_string(nbytes));
    }
    auto bytes = std::make_shared<const std::vector<uint8_t>>(std::move(data));
    tensors_.push_back(
        {name, type, ne, nbytes, [bytes](uint8_t* out) { std::copy(bytes->begin(), bytes->end(), out); }});
}

void GgufWriter::add_f32_tensor(const std::string& name, const std::vector<int64_t>& ne,
                                const std::vector<float>& values) {
    std::vector<uint8_t> bytes(values.size() * sizeof(float));
    if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
    add_tensor(name, GgmlType::F32, ne, std::move(bytes));
}

// llama.cpp's layout: header, kv pairs, tensor infos, zero padding to the alignment, then each
// tensor's data in info order, each followed by zero padding to the alignment.
void GgufWriter::emit(const std::function<void(const uint8_t* data, size_t size)>& sink) const {
    check_alignment(alignment_);
    const bool write_alignment = !alignment_key_ && alignment_ != kDefaultAlignment;

    std::vector<uint64_t> offsets;  // of each tensor, relative to the data section
    offsets.reserve(tensors_.size());
    uint64_t data_bytes = 0;
    for (const PendingTensor& t : tensors_) {
        offsets.push_back(data_bytes);
        data_bytes = layout::align_up(data_bytes + t.nbytes, alignment_);
    }

    std::vector<uint8_t> out;
    ByteWriter w(out);
    w.put_bytes(layout::kMagic, sizeof(layout::kMagic));
    w.put<uint32_t>(layout::kVersion);
    w.put<uint64_t>(tensors_.size());
    w.put<uint64_t>(kv_.size() + (write_alignment ? 1 : 0));
    if (write_alignment) {
        w.put_string(layout::kAlignmentKey);
        w.put(static_cast<uint32_t>(ValueType::UINT32));
        w.put<uint32_t>(alignment_);
    }
    for (const auto& [key, value] : kv_) {
        w.put_string(key);
        w.put(static_cast<uint32_t>(value.type));
        encode_value(w, value, key, 0);
    }
    for (size_t i = 0; i < tensors_.size(); ++i) {
        const PendingTensor& t = tensors_[i];
        w.put_string(t.name);
        w.put<uint32_t>(static_cast<uint32_t>(t.ne.size()));
        for (int64_t n : t.ne) w.put<uint64_t>(static_cast<uint64_t>(n));
        w.put(static_cast<uint32_t>(t.type));
        w.put<uint64_t>(offsets[i]);
    }
    w.pad_to(alignment_);
    sink(out.data(), out.size());
    for (const PendingTensor& t : tensors_) {  // one tensor in memory at a time
        out.assign(layout::align_up(t.nbytes, alignment_), 0);
        t.fill(out.data());
        sink(out.data(), out.size());
    }
}

std::vector<uint8_t> GgufWriter::to_bytes() const {
    std::vector<uint8_t> bytes;
    emit([&](const uint8_t* data, size_t size) { bytes.insert(bytes.end(), data, data + size); });
    return bytes;
}

void GgufWriter::write(const std::string& path) const {
    AtomicFileWriter file(path);
    emit([&](const uint8_t* data, size_t size) {
        file.write(std::string_view(reinterpret_cast<const char*>(data), size));
    });
    file.commit();
}

}  // namespace moe::gguf
