#include "gguf/gguf_file.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <optional>
#include <string_view>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gguf/gguf_layout.h"

namespace moe::gguf {

// GGUF is little-endian and we read fields with memcpy.
static_assert(std::endian::native == std::endian::little, "the GGUF reader assumes a little-endian host");

namespace {

using layout::align_up;
using layout::is_power_of_two;
using layout::kAlignmentKey;
using layout::kMaxAlignment;
using layout::kMagic;
using layout::kMaxDims;

// Smallest encodings, used to bound counts by the bytes left before anything is allocated.
constexpr uint64_t kMinKvBytes = 8 + 4 + 1;                  // empty key, value type, one-byte value
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 8 + 4 + 8;  // empty name, n_dims = 1, ne[0], type, offset
constexpr uint64_t kArrayHeaderBytes = 4 + 8;                // element type, element count

bool is_valid_value_type(uint32_t raw) { return raw <= static_cast<uint32_t>(ValueType::FLOAT64); }

uint64_t min_encoded_size(ValueType t) {
    switch (t) {
        case ValueType::UINT8: case ValueType::INT8: case ValueType::BOOL: return 1;
        case ValueType::UINT16: case ValueType::INT16: return 2;
        case ValueType::UINT32: case ValueType::INT32: case ValueType::FLOAT32: return 4;
        case ValueType::UINT64: case ValueType::INT64: case ValueType::FLOAT64: return 8;
        case ValueType::STRING: return 8;
        case ValueType::ARRAY: return kArrayHeaderBytes;
    }
    return 1;
}

std::string describe_type(const Value& v) {
    if (v.type != ValueType::ARRAY) return value_type_name(v.type);
    const auto* array = std::get_if<ArrayValue>(&v.data);
    return std::string("ARRAY of ") + (array ? value_type_name(array->element_type) : "?");
}

// Bounds-checked cursor over the file bytes; every failure names the file and the byte offset.
class ByteReader {
public:
    ByteReader(const uint8_t* base, uint64_t size, const std::string& name)
        : base_(base), size_(size), name_(name) {}

    uint64_t pos() const { return pos_; }
    uint64_t remaining() const { return size_ - pos_; }
    // Prefix for messages about the record being parsed, e.g. "key 'general.name': ".
    void set_context(std::string context) { context_ = std::move(context); }

    [[noreturn]] void fail_at(uint64_t at, const std::string& problem) const {
        throw GgufError(name_ + ": at byte " + std::to_string(at) + ": " + context_ + problem);
    }

    void require(uint64_t n, const char* what) const {
        if (n > remaining()) {
            fail_at(pos_, std::string(what) + " needs " + std::to_string(n) + " bytes but only " +
                              std::to_string(remaining()) + " are left in the file");
        }
    }

    template <class T>
    T read(const char* what) {
        require(sizeof(T), what);
        T value;
        std::memcpy(&value, base_ + pos_, sizeof(T));
        pos_ += sizeof(T);
        return value;
    }

    std::string_view read_string() {
        const uint64_t at = pos_;
        const auto length = read<uint64_t>("string length");
        if (length > remaining()) {
            fail_at(at, "string length " + std::to_string(length) + " exceeds the " + std::to_string(remaining()) +
                            " bytes left in the file");
        }
        std::string_view s(reinterpret_cast<const char*>(base_ + pos_), length);
        pos_ += length;
        return s;
    }

    // Fails unless `count` items of at least `min_item_bytes` each fit in the rest of the file.
    void check_count_fits(uint64_t at, uint64_t count, uint64_t min_item_bytes, const char* what) const {
        if (count > remaining() / min_item_bytes) {
            fail_at(at, std::string(what) + " " + std::to_string(count) + " needs at least " +
                            std::to_string(min_item_bytes) + " bytes each but only " + std::to_string(remaining()) +
                            " are left in the file");
        }
    }

private:
    const uint8_t* base_;
    uint64_t size_;
    uint64_t pos_ = 0;
    const std::string& name_;
    std::string context_;
};

class MetadataReader {
public:
    explicit MetadataReader(ByteReader& in) : in_(in) {}

    ValueType read_value_type(const char* what) {
        const uint64_t at = in_.pos();
        const auto raw = in_.read<uint32_t>(what);
        if (!is_valid_value_type(raw)) in_.fail_at(at, "unknown " + std::string(what) + " " + std::to_string(raw));
        return static_cast<ValueType>(raw);
    }

    Value read_value(ValueType type, int depth) {
        switch (type) {
            case ValueType::UINT8: return {type, uint64_t{in_.read<uint8_t>("UINT8 value")}};
            case ValueType::INT8: return {type, int64_t{in_.read<int8_t>("INT8 value")}};
            case ValueType::UINT16: return {type, uint64_t{in_.read<uint16_t>("UINT16 value")}};
            case ValueType::INT16: return {type, int64_t{in_.read<int16_t>("INT16 value")}};
            case ValueType::UINT32: return {type, uint64_t{in_.read<uint32_t>("UINT32 value")}};
            case ValueType::INT32: return {type, int64_t{in_.read<int32_t>("INT32 value")}};
            case ValueType::UINT64: return {type, in_.read<uint64_t>("UINT64 value")};
            case ValueType::INT64: return {type, in_.read<int64_t>("INT64 value")};
            case ValueType::FLOAT32: return {type, double{in_.read<float>("FLOAT32 value")}};
            case ValueType::FLOAT64: return {type, in_.read<double>("FLOAT64 value")};
            case ValueType::BOOL: {
                const uint64_t at = in_.pos();
                const auto byte = in_.read<uint8_t>("BOOL value");
                if (byte > 1) in_.fail_at(at, "BOOL value is " + std::to_string(byte) + ", not 0 or 1");
                return {type, byte == 1};
            }
            case ValueType::STRING: return {type, std::string(in_.read_string())};
            case ValueType::ARRAY: return {type, read_array(depth + 1)};
        }
        in_.fail_at(in_.pos(), "unknown value type");
    }

private:
    ArrayValue read_array(int depth) {
        const uint64_t at = in_.pos();
        if (depth > kMaxArrayNesting) {
            in_.fail_at(at, "arrays nested deeper than " + std::to_string(kMaxArrayNesting) + " levels");
        }
        ArrayValue array;
        array.element_type = read_value_type("array element type");
        const uint64_t count_at = in_.pos();
        const auto count = in_.read<uint64_t>("array count");
        in_.check_count_fits(count_at, count, min_encoded_size(array.element_type), "array count");
        if (count > elements_left_) {
            in_.fail_at(count_at, "array count " + std::to_string(count) + " exceeds the limit of " +
                                      std::to_string(kMaxMetadataArrayElements) +
                                      " metadata array elements per file");
        }
        elements_left_ -= count;
        array.items.reserve(count);
        for (uint64_t i = 0; i < count; ++i) array.items.push_back(read_value(array.element_type, depth));
        return array;
    }

    ByteReader& in_;
    uint64_t elements_left_ = kMaxMetadataArrayElements;
};

// Bytes of a tensor, or nullopt when the size does not fit in 64 bits.
std::optional<uint64_t> tensor_nbytes(const TypeTraits& traits, const int64_t ne[4]) {
    uint64_t bytes = static_cast<uint64_t>(ne[0] / traits.block_size);
    if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(traits.type_size), &bytes)) return std::nullopt;
    for (int d = 1; d < 4; ++d) {
        if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(ne[d]), &bytes)) return std::nullopt;
    }
    return bytes;
}

}  // namespace

const char* value_type_name(ValueType t) {
    switch (t) {
        case ValueType::UINT8: return "UINT8";
        case ValueType::INT8: return "INT8";
        case ValueType::UINT16: return "UINT16";
        case ValueType::INT16: return "INT16";
        case ValueType::UINT32: return "UINT32";
        case ValueType::INT32: return "INT32";
        case ValueType::FLOAT32: return "FLOAT32";
        case ValueType::BOOL: return "BOOL";
        case ValueType::STRING: return "STRING";
        case ValueType::ARRAY: return "ARRAY";
        case ValueType::UINT64: return "UINT64";
        case ValueType::INT64: return "INT64";
        case ValueType::FLOAT64: return "FLOAT64";
    }
    return "unknown";
}

// ---- Value ----------------------------------------------------------------------------------

Value Value::string_array(const std::vector<std::string>& v) {
    std::vector<Value> items;
    items.reserve(v.size());
    for (const auto& s : v) items.push_back(str(s));
    return array(ValueType::STRING, std::move(items));
}

Value Value::f32_array(const std::vector<float>& v) {
    std::vector<Value> items;
    items.reserve(v.size());
    for (float x : v) items.push_back(f32(x));
    return array(ValueType::FLOAT32, std::move(items));
}

Value Value::i32_array(const std::vector<int32_t>& v) {
    std::vector<Value> items;
    items.reserve(v.size());
    for (int32_t x : v) items.push_back(i32(x));
    return array(ValueType::INT32, std::move(items));
}

bool Value::is_integer() const {
    switch (type) {
        case ValueType::UINT8: case ValueType::INT8: case ValueType::UINT16: case ValueType::INT16:
        case ValueType::UINT32: case ValueType::INT32: case ValueType::UINT64: case ValueType::INT64:
            return true;
        default:
            return false;
    }
}

bool Value::is_number() const {
    return is_integer() || type == ValueType::FLOAT32 || type == ValueType::FLOAT64;
}

namespace {
[[noreturn]] void throw_type_mismatch(const Value& v, const char* expected) {
    throw GgufError("value has type " + describe_type(v) + ", expected " + expected);
}
}  // namespace

int64_t Value::as_int() const {
    if (is_integer()) {
        if (const auto* s = std::get_if<int64_t>(&data)) return *s;
        if (const auto* u = std::get_if<uint64_t>(&data)) {
            if (*u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
                throw GgufError("value " + std::to_string(*u) + " does not fit in int64");
            }
            return static_cast<int64_t>(*u);
        }
    }
    throw_type_mismatch(*this, "an integer");
}

double Value::as_double() const {
    if (is_integer()) {
        if (const auto* u = std::get_if<uint64_t>(&data)) return static_cast<double>(*u);
        if (const auto* s = std::get_if<int64_t>(&data)) return static_cast<double>(*s);
    } else if (is_number()) {
        if (const auto* d = std::get_if<double>(&data)) return *d;
    }
    throw_type_mismatch(*this, "a number");
}

bool Value::as_bool() const {
    const auto* b = std::get_if<bool>(&data);
    if (type != ValueType::BOOL || !b) throw_type_mismatch(*this, "BOOL");
    return *b;
}

const std::string& Value::as_string() const {
    const auto* s = std::get_if<std::string>(&data);
    if (type != ValueType::STRING || !s) throw_type_mismatch(*this, "STRING");
    return *s;
}

const ArrayValue& Value::as_array() const {
    const auto* a = std::get_if<ArrayValue>(&data);
    if (type != ValueType::ARRAY || !a) throw_type_mismatch(*this, "ARRAY");
    return *a;
}

std::string TensorInfo::shape_string() const {
    std::string s = "[";
    for (uint32_t d = 0; d < n_dims; ++d) {
        if (d > 0) s += ", ";
        s += std::to_string(ne[d]);
    }
    return s + "]";
}

// ---- GgufFile -------------------------------------------------------------------------------

std::unique_ptr<GgufFile> GgufFile::open(const std::string& path) {
    std::unique_ptr<GgufFile> file(new GgufFile());
    file->path_ = path;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw GgufError(path + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        throw GgufError(path + ": cannot stat: " + std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        throw GgufError(path + ": not a regular file");
    }
    if (st.st_size > 0) {
        void* mapping = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
        const int err = errno;
        ::close(fd);
        if (mapping == MAP_FAILED) throw GgufError(path + ": cannot map the file: " + std::strerror(err));
        file->mapping_ = mapping;
        file->base_ = static_cast<const uint8_t*>(mapping);
        file->size_ = static_cast<uint64_t>(st.st_size);
    } else {
        ::close(fd);  // empty: parse_all reports the missing header
    }
    file->parse_all();
    return file;
}

std::unique_ptr<GgufFile> GgufFile::parse(const uint8_t* bytes, size_t size, const std::string& name) {
    std::unique_ptr<GgufFile> file(new GgufFile());
    file->path_ = name;
    file->base_ = bytes;
    file->size_ = bytes ? size : 0;
    file->parse_all();
    return file;
}

uint64_t GgufFile::total_size() const {
    uint64_t total = size_;
    for (const auto& shard : shards_) total += shard->size_;
    return total;
}

std::unique_ptr<GgufFile> GgufFile::open_model(const std::string& path) {
    std::unique_ptr<GgufFile> first = open(path);
    const auto count = first->get_int("split.count");
    if (!count || *count <= 1) return first;
    const auto number = first->get_int("split.no").value_or(0);
    if (number != 0) throw GgufError(path + ": this is shard " + std::to_string(number + 1) + " of a split model; open the first shard");
    if (*count > 999) throw GgufError(path + ": split.count " + std::to_string(*count) + " is implausible");

    // "<prefix>-00001-of-00003.gguf": llama.cpp's naming, the only way to find the siblings.
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, "-00001-of-%05d.gguf", static_cast<int>(*count));
    if (path.size() < std::strlen(suffix) || path.compare(path.size() - std::strlen(suffix), std::string::npos, suffix) != 0)
        throw GgufError(path + ": split model with " + std::to_string(*count) + " shards, but the name does not end in '" +
                        suffix + "'");
    const std::string prefix = path.substr(0, path.size() - std::strlen(suffix));
    for (int64_t i = 1; i < *count; ++i) {
        std::snprintf(suffix, sizeof suffix, "-%05d-of-%05d.gguf", static_cast<int>(i + 1), static_cast<int>(*count));
        std::unique_ptr<GgufFile> shard = open(prefix + suffix);
        if (shard->get_int("split.no").value_or(-1) != i)
            throw GgufError(shard->path() + ": split.no is not " + std::to_string(i));
        for (const TensorInfo& t : shard->tensors_) {
            if (!first->tensor_index_.try_emplace(t.name, first->tensors_.size()).second)
                throw GgufError(shard->path() + ": tensor '" + t.name + "' is also in an earlier shard");
            first->tensors_.push_back(t);  // its data pointer stays inside the shard's mapping
        }
        first->shards_.push_back(std::move(shard));
    }
    if (const auto expected = first->get_int("split.tensors.count");
        expected && *expected != static_cast<int64_t>(first->tensors_.size()))
        throw GgufError(path + ": the shards hold " + std::to_string(first->tensors_.size()) + " tensors, split.tensors.count says " +
                        std::to_string(*expected));
    return first;
}

uint64_t GgufFile::tensor_data_bytes() const {
    uint64_t total = data_section_bytes();
    for (const auto& shard : shards_) total += shard->tensor_data_bytes();
    return total;
}

bool GgufFile::copy_tensor_data_to_huge_pages(const std::function<bool(float)>& progress) {
    std::vector<GgufFile*> files{this};
    for (const auto& shard : shards_) files.push_back(shard.get());
    // Each data section at an offset that keeps its tensors' alignment (general.alignment, at most 1 MiB).
    std::vector<uint64_t> place;
    uint64_t arena_bytes = 0;
    for (const GgufFile* f : files) {
        const uint64_t align = std::max<uint64_t>(64, f->alignment_);
        arena_bytes = (arena_bytes + align - 1) / align * align;
        place.push_back(arena_bytes);
        arena_bytes += f->data_section_bytes();
    }
    HugePageMemory arena(static_cast<size_t>(arena_bytes));
    // Read from the file rather than copied from the mapping: no page faults on the mapping, and
    // its pages never join the resident set.
    constexpr uint64_t kPiece = uint64_t{64} << 20;
    const uint64_t total = std::max<uint64_t>(1, tensor_data_bytes());  // the bytes read, without the padding
    uint64_t done = 0;
    for (size_t k = 0; k < files.size(); ++k) {
        const GgufFile& f = *files[k];
        const struct Descriptor {
            int fd;
            ~Descriptor() {
                if (fd >= 0) ::close(fd);
            }
        } file{::open(f.path_.c_str(), O_RDONLY | O_CLOEXEC)};
        if (file.fd < 0) throw GgufError(f.path_ + ": cannot open: " + std::strerror(errno));
        for (uint64_t at = f.data_offset_; at < f.size_;) {
            const uint64_t n = std::min(kPiece, f.size_ - at);
            const ssize_t got = ::pread(file.fd, arena.data() + place[k] + (at - f.data_offset_), static_cast<size_t>(n), static_cast<off_t>(at));
            if (got <= 0)
                throw GgufError(f.path_ + ": cannot read the tensor data at byte " + std::to_string(at) + ": " +
                                (got == 0 ? "the file got shorter" : std::strerror(errno)));
            at += static_cast<uint64_t>(got);
            done += static_cast<uint64_t>(got);
            if (progress && !progress(static_cast<float>(done) / static_cast<float>(total)))
                return false;
        }
    }
    // Every tensor, in the joined table and in each shard's own, moves by its section's offset.
    auto rebase = [&](TensorInfo& t) {
        for (size_t k = 0; k < files.size(); ++k) {
            const uint8_t* section = files[k]->base_ + files[k]->data_offset_;
            if (t.data >= section && t.data <= files[k]->base_ + files[k]->size_) {
                t.data = arena.data() + place[k] + (t.data - section);
                return;
            }
        }
    };
    for (GgufFile* f : files)
        for (TensorInfo& t : f->tensors_) rebase(t);
    huge_pages_ = std::move(arena);
    return true;
}

uint8_t* GgufFile::copied_tensor_data(const TensorInfo& t) const {
    uint8_t* const copy = huge_pages_.data();
    if (!copy || t.data < copy || t.data + t.nbytes > copy + huge_pages_.size()) return nullptr;
    return copy + (t.data - copy);
}

GgufFile::~GgufFile() {
    if (mapping_) ::munmap(mapping_, static_cast<size_t>(size_));
}

void GgufFile::parse_all() {
    ByteReader in(base_, size_, path_);

    in.require(sizeof(kMagic), "the GGUF magic");
    if (std::memcmp(base_, kMagic, sizeof(kMagic)) != 0) {
        in.fail_at(0, "bad magic (expected \"GGUF\"): not a GGUF file");
    }
    in.read<uint32_t>("the GGUF magic");

    const uint64_t version_at = in.pos();
    version_ = in.read<uint32_t>("version");
    if (version_ != 0 && (version_ & 0xFFFF) == 0) {
        in.fail_at(version_at, "version field reads " + std::to_string(version_) +
                                   ": the file is byte-swapped (big-endian GGUF), only little-endian files are "
                                   "supported");
    }
    if (version_ == 1) in.fail_at(version_at, "GGUF version 1 is no longer supported (re-convert the model)");
    if (version_ < 2 || version_ > layout::kVersion) {
        in.fail_at(version_at, "unsupported GGUF version " + std::to_string(version_) + " (supported: 2 and 3)");
    }

    const uint64_t tensor_count_at = in.pos();
    const auto tensor_count = in.read<uint64_t>("tensor count");
    in.check_count_fits(tensor_count_at, tensor_count, kMinTensorInfoBytes, "tensor count");
    const uint64_t kv_count_at = in.pos();
    const auto kv_count = in.read<uint64_t>("metadata kv count");
    in.check_count_fits(kv_count_at, kv_count, kMinKvBytes, "metadata kv count");

    MetadataReader metadata(in);
    for (uint64_t i = 0; i < kv_count; ++i) {
        const uint64_t key_at = in.pos();
        in.set_context("metadata kv " + std::to_string(i) + ": ");
        std::string key(in.read_string());
        in.set_context("key '" + key + "': ");
        const ValueType type = metadata.read_value_type("value type");
        const uint64_t value_at = in.pos();
        Value value = metadata.read_value(type, 0);
        if (key == kAlignmentKey) {
            if (type != ValueType::UINT32) in.fail_at(value_at, "has type " + describe_type(value) + ", must be UINT32");
            const uint64_t alignment = std::get<uint64_t>(value.data);
            if (!is_power_of_two(alignment)) {
                in.fail_at(value_at, "alignment " + std::to_string(alignment) + " is not a power of two");
            }
            if (alignment > kMaxAlignment) {
                in.fail_at(value_at, "alignment " + std::to_string(alignment) + " is over the limit of " +
                                         std::to_string(kMaxAlignment) + " bytes");
            }
            alignment_ = static_cast<uint32_t>(alignment);
        }
        if (!kv_.try_emplace(std::move(key), std::move(value)).second) in.fail_at(key_at, "duplicate key");
    }

    // The infos follow the metadata, so their count is bounded again by what is left now.
    in.set_context("");
    in.check_count_fits(tensor_count_at, tensor_count, kMinTensorInfoBytes, "tensor count");
    tensors_.reserve(tensor_count);
    std::vector<uint64_t> offset_field_at;  // where each tensor's offset is stored, for messages
    offset_field_at.reserve(tensor_count);
    for (uint64_t i = 0; i < tensor_count; ++i) {
        const uint64_t info_at = in.pos();
        in.set_context("tensor info " + std::to_string(i) + ": ");
        TensorInfo& t = tensors_.emplace_back();
        t.name = std::string(in.read_string());
        in.set_context("tensor '" + t.name + "': ");
        if (!tensor_index_.try_emplace(t.name, tensors_.size() - 1).second) in.fail_at(info_at, "duplicate tensor name");

        const uint64_t n_dims_at = in.pos();
        t.n_dims = in.read<uint32_t>("n_dims");
        if (t.n_dims == 0 || t.n_dims > kMaxDims) {
            in.fail_at(n_dims_at, "n_dims " + std::to_string(t.n_dims) + " is outside 1.." + std::to_string(kMaxDims));
        }
        uint64_t n_elements = 1;
        for (uint32_t d = 0; d < t.n_dims; ++d) {
            const uint64_t ne_at = in.pos();
            const auto ne = in.read<uint64_t>("dimension");
            const std::string label = "ne[" + std::to_string(d) + "] = " + std::to_string(ne);
            if (ne == 0) in.fail_at(ne_at, label + ": dimensions must be at least 1");
            if (__builtin_mul_overflow(n_elements, ne, &n_elements) ||
                n_elements > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
                in.fail_at(ne_at, label + ": the element count overflows int64");
            }
            t.ne[d] = static_cast<int64_t>(ne);
        }

        const uint64_t type_at = in.pos();
        const auto type_id = in.read<uint32_t>("tensor type");
        const TypeTraits* traits = type_traits(type_id);
        if (!traits) in.fail_at(type_at, "unknown or removed tensor type id " + std::to_string(type_id));
        t.type = static_cast<GgmlType>(type_id);
        if (t.ne[0] % traits->block_size != 0) {
            in.fail_at(type_at, "ne[0] = " + std::to_string(t.ne[0]) + " is not a multiple of the " + traits->name +
                                    " block size " + std::to_string(traits->block_size));
        }
        const std::optional<uint64_t> nbytes = tensor_nbytes(*traits, t.ne);
        if (!nbytes) in.fail_at(type_at, "the byte size of " + t.shape_string() + " " + traits->name + " overflows");
        t.nbytes = *nbytes;

        offset_field_at.push_back(in.pos());
        t.offset = in.read<uint64_t>("tensor data offset");
        if (t.offset % alignment_ != 0) {
            in.fail_at(offset_field_at.back(), "data offset " + std::to_string(t.offset) +
                                                   " is not a multiple of the alignment " + std::to_string(alignment_));
        }
    }

    data_offset_ = align_up(in.pos(), alignment_);
    // A metadata-only file may end without the padding; nothing is read past its end then.
    if (tensors_.empty() && data_offset_ > size_) data_offset_ = size_;
    const uint64_t data_section_bytes = data_offset_ < size_ ? size_ - data_offset_ : 0;
    for (size_t i = 0; i < tensors_.size(); ++i) {
        TensorInfo& t = tensors_[i];
        if (t.offset > data_section_bytes || t.nbytes > data_section_bytes - t.offset) {
            in.set_context("tensor '" + t.name + "': ");
            in.fail_at(offset_field_at[i], std::to_string(t.nbytes) + " bytes of data at data offset " +
                                               std::to_string(t.offset) + " do not fit in the file (its data section "
                                               "starts at byte " + std::to_string(data_offset_) + " and holds " +
                                               std::to_string(data_section_bytes) + " bytes)");
        }
        t.data = base_ + data_offset_ + t.offset;
    }
}

const Value* GgufFile::find(const std::string& key) const {
    auto it = kv_.find(key);
    return it == kv_.end() ? nullptr : &it->second;
}

const TensorInfo* GgufFile::find_tensor(const std::string& name) const {
    auto it = tensor_index_.find(name);
    return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

namespace {
// Runs a Value conversion and names the file and key in the error it may raise.
template <class Convert>
auto convert_for_key(const std::string& path, const std::string& key, Convert&& convert) {
    try {
        return convert();
    } catch (const GgufError& e) {
        throw GgufError(path + ": key '" + key + "': " + e.what());
    }
}
}  // namespace

std::optional<int64_t> GgufFile::get_int(const std::string& key) const {
    const Value* v = find(key);
    if (!v) return std::nullopt;
    return convert_for_key(path_, key, [&] { return v->as_int(); });
}

std::optional<double> GgufFile::get_float(const std::string& key) const {
    const Value* v = find(key);
    if (!v) return std::nullopt;
    return convert_for_key(path_, key, [&] { return v->as_double(); });
}

std::optional<bool> GgufFile::get_bool(const std::string& key) const {
    const Value* v = find(key);
    if (!v) return std::nullopt;
    return convert_for_key(path_, key, [&] { return v->as_bool(); });
}

std::optional<std::string> GgufFile::get_string(const std::string& key) const {
    const Value* v = find(key);
    if (!v) return std::nullopt;
    return convert_for_key(path_, key, [&] { return v->as_string(); });
}

namespace {
template <class T, class Convert>
std::vector<T> convert_array(const std::string& path, const std::string& key, const Value* v,
                             bool (*element_ok)(ValueType), const char* expected, Convert&& convert) {
    if (!v) return {};
    return convert_for_key(path, key, [&] {
        const ArrayValue& array = v->as_array();
        if (!element_ok(array.element_type)) throw_type_mismatch(*v, expected);
        std::vector<T> out;
        out.reserve(array.items.size());
        for (const Value& item : array.items) out.push_back(convert(item));
        return out;
    });
}

bool is_string_type(ValueType t) { return t == ValueType::STRING; }
bool is_number_type(ValueType t) { return Value{t, {}}.is_number(); }
bool is_integer_type(ValueType t) { return Value{t, {}}.is_integer(); }
}  // namespace

std::vector<std::string> GgufFile::get_string_array(const std::string& key) const {
    return convert_array<std::string>(path_, key, find(key), is_string_type, "an array of STRING",
                                      [](const Value& item) { return item.as_string(); });
}

std::vector<float> GgufFile::get_float_array(const std::string& key) const {
    return convert_array<float>(path_, key, find(key), is_number_type, "an array of numbers",
                                [](const Value& item) { return static_cast<float>(item.as_double()); });
}

std::vector<int64_t> GgufFile::get_int_array(const std::string& key) const {
    return convert_array<int64_t>(path_, key, find(key), is_integer_type, "an array of integers",
                                  [](const Value& item) { return item.as_int(); });
}

}  // namespace moe::gguf
