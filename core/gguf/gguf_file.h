// Read-only, memory-mapped GGUF v2/v3 file (reference §1).
// Every count, offset and size is validated against the file before use; a bad file raises
// GgufError naming the file, the byte offset and the problem.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "gguf/tensor_types.h"
#include "util/huge_pages.h"

namespace moe::gguf {

class GgufError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class ValueType : uint32_t {
    UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6,
    BOOL = 7, STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
};

const char* value_type_name(ValueType t);

inline constexpr uint32_t kDefaultAlignment = 32;
// Limits that keep a hostile file from exhausting the stack or the memory: arrays may nest (the
// spec allows arrays of arrays) up to this depth, and all metadata arrays of one file together
// hold at most this many elements (a 256k-token vocabulary needs under 1M).
inline constexpr int kMaxArrayNesting = 16;
inline constexpr uint64_t kMaxMetadataArrayElements = uint64_t{1} << 24;

struct Value;
struct ArrayValue {
    ValueType element_type = ValueType::UINT8;
    std::vector<Value> items;
};

// One metadata value. `type` is the stored GGUF type; `data` holds it widened:
// unsigned ints -> uint64_t, signed ints -> int64_t, floats -> double, BOOL -> bool.
struct Value {
    ValueType type = ValueType::UINT8;
    std::variant<uint64_t, int64_t, double, bool, std::string, ArrayValue> data;

    static Value u8(uint8_t v) { return {ValueType::UINT8, uint64_t{v}}; }
    static Value i8(int8_t v) { return {ValueType::INT8, int64_t{v}}; }
    static Value u16(uint16_t v) { return {ValueType::UINT16, uint64_t{v}}; }
    static Value i16(int16_t v) { return {ValueType::INT16, int64_t{v}}; }
    static Value u32(uint32_t v) { return {ValueType::UINT32, uint64_t{v}}; }
    static Value i32(int32_t v) { return {ValueType::INT32, int64_t{v}}; }
    static Value u64(uint64_t v) { return {ValueType::UINT64, v}; }
    static Value i64(int64_t v) { return {ValueType::INT64, v}; }
    static Value f32(float v) { return {ValueType::FLOAT32, double{v}}; }
    static Value f64(double v) { return {ValueType::FLOAT64, v}; }
    static Value boolean(bool v) { return {ValueType::BOOL, v}; }
    static Value str(std::string v) { return {ValueType::STRING, std::move(v)}; }
    static Value array(ValueType element_type, std::vector<Value> items) {
        return {ValueType::ARRAY, ArrayValue{element_type, std::move(items)}};
    }
    static Value string_array(const std::vector<std::string>& v);
    static Value f32_array(const std::vector<float>& v);
    static Value i32_array(const std::vector<int32_t>& v);

    bool is_integer() const;  // any of the 8 integer types (not BOOL)
    bool is_number() const;   // integer or float
    // Conversions; throw GgufError when the stored type does not fit.
    int64_t as_int() const;
    double as_double() const;
    bool as_bool() const;
    const std::string& as_string() const;
    const ArrayValue& as_array() const;
};

struct TensorInfo {
    std::string name;
    GgmlType type = GgmlType::F32;
    uint32_t n_dims = 0;
    int64_t ne[4] = {1, 1, 1, 1};  // ne[0] innermost (contiguous)
    uint64_t offset = 0;           // relative to the data section
    uint64_t nbytes = 0;
    const uint8_t* data = nullptr;  // points into the mapping

    int64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
    std::string shape_string() const;  // "[2048, 1408, 64]"
};

class GgufFile {
public:
    // Maps and parses a file. Throws GgufError ("<path>: at byte N: <problem>").
    static std::unique_ptr<GgufFile> open(const std::string& path);
    // Opens a model that may be split into shards ("name-00001-of-00003.gguf", reference §1.5):
    // given the first shard, the others are opened from the same folder and their tensors
    // join this file's tensor table. Metadata comes from the first shard. A single file is
    // opened as by open().
    static std::unique_ptr<GgufFile> open_model(const std::string& path);
    // Parses a caller-owned buffer (fuzzing, tests); the buffer must outlive the object.
    static std::unique_ptr<GgufFile> parse(const uint8_t* bytes, size_t size, const std::string& name);

    ~GgufFile();
    GgufFile(const GgufFile&) = delete;
    GgufFile& operator=(const GgufFile&) = delete;

    const std::string& path() const { return path_; }
    uint32_t version() const { return version_; }
    uint64_t file_size() const { return size_; }
    uint64_t total_size() const;  // this file and every shard joined to it
    size_t shard_count() const { return 1 + shards_.size(); }
    uint32_t alignment() const { return alignment_; }
    uint64_t data_offset() const { return data_offset_; }

    const std::map<std::string, Value>& metadata() const { return kv_; }
    const Value* find(const std::string& key) const;
    bool has(const std::string& key) const { return find(key) != nullptr; }

    // Typed look-ups. Absent key -> nullopt; wrong type -> GgufError naming key and types.
    std::optional<int64_t> get_int(const std::string& key) const;
    std::optional<double> get_float(const std::string& key) const;
    std::optional<bool> get_bool(const std::string& key) const;
    std::optional<std::string> get_string(const std::string& key) const;
    std::vector<std::string> get_string_array(const std::string& key) const;  // empty if absent
    std::vector<float> get_float_array(const std::string& key) const;
    std::vector<int64_t> get_int_array(const std::string& key) const;

    const std::vector<TensorInfo>& tensors() const { return tensors_; }
    const TensorInfo* find_tensor(const std::string& name) const;

    // Reads the tensor data of this file and its shards into 2 MiB pages and points every tensor
    // there (util/huge_pages.h says why); the mapping's pages of it are never touched, so the
    // weights are resident once. Calls progress(0..1) after each piece; when it returns false,
    // stops and returns false with the tensors still in the mapping. Throws GgufError when the
    // file cannot be read again.
    bool copy_tensor_data_to_huge_pages(const std::function<bool(float)>& progress);
    bool tensor_data_in_huge_pages() const { return huge_pages_.data() != nullptr; }
    // The tensor's bytes in that copy, which is ours to re-lay (the model loader groups some
    // weight rows there); nullptr while the tensor is read from the file's mapping.
    uint8_t* copied_tensor_data(const TensorInfo& t) const;
    uint64_t tensor_data_bytes() const;  // this file's and its shards' data sections

private:
    GgufFile() = default;
    void parse_all();
    uint64_t data_section_bytes() const { return size_ - std::min(size_, data_offset_); }  // this file's alone

    std::string path_;
    const uint8_t* base_ = nullptr;
    uint64_t size_ = 0;
    void* mapping_ = nullptr;  // non-null when we own an mmap
    uint32_t version_ = 0;
    uint32_t alignment_ = 32;
    uint64_t data_offset_ = 0;
    std::map<std::string, Value> kv_;
    std::vector<TensorInfo> tensors_;
    std::map<std::string, size_t> tensor_index_;
    std::vector<std::unique_ptr<GgufFile>> shards_;  // further split files, kept mapped
    HugePageMemory huge_pages_;  // the tensor data, once copied
};

// Builds a GGUF v3 file and writes it atomically (temp file + rename). Tensor data may be given
// as bytes or as a filler called while the file is written, one tensor at a time, so a file far
// larger than memory (a full-size synthetic model) never has to be held whole.
class GgufWriter {
public:
    // Writes exactly the tensor's byte size (row_bytes(type, ne[0]) · ne[1] · ne[2] · ne[3]) to out.
    using TensorFiller = std::function<void(uint8_t* out)>;

    explicit GgufWriter(uint32_t alignment = 32) : alignment_(alignment) {}
    // Keeps insertion order; replaces the same key. general.alignment (UINT32, a power of two up
    // to 1 MiB) also sets the alignment.
    void set(const std::string& key, Value value);
    // `data` must hold exactly the tensor's byte size.
    void add_tensor(const std::string& name, GgmlType type, const std::vector<int64_t>& ne,
                    std::vector<uint8_t> data);
    // The same, with bytes made by `fill` while the file is written.
    void add_streamed_tensor(const std::string& name, GgmlType type, const std::vector<int64_t>& ne,
                             TensorFiller fill);
    void add_f32_tensor(const std::string& name, const std::vector<int64_t>& ne, const std::vector<float>& values);
    std::vector<uint8_t> to_bytes() const;
    // Throws std::runtime_error with the path on failure (the file at `path` is then untouched).
    void write(const std::string& path) const;

private:
    struct PendingTensor {
        std::string name;
        GgmlType type;
        std::vector<int64_t> ne;
        uint64_t nbytes;
        TensorFiller fill;
    };
    // Validates a new tensor (unique name, known type, shape) and returns its byte size.
    uint64_t checked_byte_size(const std::string& name, GgmlType type, const std::vector<int64_t>& ne) const;
    // Hands the file to `sink` in pieces: the header, then each tensor's padded data.
    void emit(const std::function<void(const uint8_t* data, size_t size)>& sink) const;

    uint32_t alignment_;
    bool alignment_key_ = false;  // general.alignment was set as a key: written where it was set
    std::vector<std::pair<std::string, Value>> kv_;
    std::vector<PendingTensor> tensors_;
};

}  // namespace moe::gguf
