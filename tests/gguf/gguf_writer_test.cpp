// GgufWriter: exact bytes of a small file, and writer -> reader round trips.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <stdexcept>

#include "gguf/gguf_file.h"
#include "gguf_test_bytes.h"
#include "support/test_support.h"

namespace moe::gguf {
namespace {

using test::parse_bytes;

TEST(GgufWriter, SmallFileHasExactlyTheExpectedBytes) {
    GgufWriter writer;
    writer.set("a", Value::u32(7));
    writer.add_f32_tensor("t", {2}, {1.0f, 2.0f});
    const std::vector<uint8_t> bytes = writer.to_bytes();

    std::vector<uint8_t> expected = {
        'G', 'G', 'U', 'F',                      // 0: magic
        3, 0, 0, 0,                              // 4: version 3
        1, 0, 0, 0, 0, 0, 0, 0,                  // 8: tensor count
        1, 0, 0, 0, 0, 0, 0, 0,                  // 16: kv count (no general.alignment at 32)
        1, 0, 0, 0, 0, 0, 0, 0, 'a',             // 24: key "a"
        4, 0, 0, 0,                              // 33: value type UINT32
        7, 0, 0, 0,                              // 37: value 7
        1, 0, 0, 0, 0, 0, 0, 0, 't',             // 41: tensor name "t"
        1, 0, 0, 0,                              // 50: n_dims
        2, 0, 0, 0, 0, 0, 0, 0,                  // 54: ne[0]
        0, 0, 0, 0,                              // 62: type F32
        0, 0, 0, 0, 0, 0, 0, 0,                  // 66: offset 0
    };                                           // 74: end of the tensor infos
    expected.resize(96, 0);                      // zero padding to the 32-byte data section
    for (uint8_t b : {0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40}) expected.push_back(b);  // 1.0f, 2.0f
    expected.resize(128, 0);                     // the data ends padded to the alignment too
    EXPECT_EQ(bytes, expected);

    const auto file = parse_bytes(bytes);
    EXPECT_EQ(file->version(), 3u);
    EXPECT_EQ(file->data_offset(), 96u);
    ASSERT_EQ(file->tensors().size(), 1u);
    EXPECT_EQ(file->tensors()[0].data, bytes.data() + 96);
    EXPECT_EQ(file->tensors()[0].nbytes, 8u);
}

TEST(GgufWriter, NonDefaultAlignmentIsWrittenFirstAndHonoured) {
    GgufWriter writer(64);
    writer.set("x", Value::u8(1));
    writer.add_f32_tensor("a", {3}, {1, 2, 3});
    writer.add_f32_tensor("b", {5}, {1, 2, 3, 4, 5});
    const std::vector<uint8_t> bytes = writer.to_bytes();

    // The first kv pair is general.alignment = UINT32 64.
    test::RawGguf expected_start;
    expected_start.header(2, 2).str("general.alignment").u32(4).u32(64);
    ASSERT_GE(bytes.size(), expected_start.size());
    EXPECT_TRUE(std::equal(expected_start.bytes.begin(), expected_start.bytes.end(), bytes.begin()));
    EXPECT_EQ(bytes.size() % 64, 0u);

    const auto file = parse_bytes(bytes);
    EXPECT_EQ(file->alignment(), 64u);
    EXPECT_EQ(file->get_int("general.alignment"), 64);
    EXPECT_EQ(file->data_offset() % 64, 0u);
    EXPECT_EQ(file->find_tensor("a")->offset, 0u);
    EXPECT_EQ(file->find_tensor("b")->offset, 64u);
    EXPECT_EQ(bytes.size(), file->data_offset() + 128);  // b's 20 bytes end padded to 64
}

TEST(GgufWriter, DefaultAlignmentIsNotWritten) {
    GgufWriter writer;
    writer.add_f32_tensor("a", {1}, {1});
    const auto file = parse_bytes(writer.to_bytes());
    EXPECT_FALSE(file->has("general.alignment"));
    EXPECT_EQ(file->alignment(), 32u);
    EXPECT_TRUE(file->metadata().empty());
}

// Fuzz finding crash-c284aa3b (issue 13): an explicit general.alignment = 32 was dropped when
// a file was read and written back, so the round trip changed the key count.
TEST(GgufWriter, ExplicitDefaultAlignmentSurvivesARoundTrip) {
    test::RawGguf raw;
    raw.header(0, 2).kv_u32("general.alignment", 32).kv_u32("a", 1);
    const auto file = parse_bytes(raw.bytes);
    GgufWriter writer(file->alignment());
    for (const auto& [key, value] : file->metadata()) writer.set(key, value);
    const std::vector<uint8_t> bytes = writer.to_bytes();
    // The metadata map is sorted: "a" first, then general.alignment, then zeros to 32 bytes.
    test::RawGguf expected;
    expected.header(0, 2).kv_u32("a", 1).kv_u32("general.alignment", 32);
    expected.bytes.resize(96, 0);
    EXPECT_EQ(bytes, expected.bytes);
    const auto reread = parse_bytes(bytes);
    EXPECT_EQ(reread->metadata().size(), 2u);
    EXPECT_EQ(reread->get_int("general.alignment"), 32);
}

TEST(GgufWriter, AlignmentSetAsAKeyIsHonoured) {
    GgufWriter writer;
    writer.set("general.alignment", Value::u32(128));
    writer.add_f32_tensor("a", {3}, {1, 2, 3});
    writer.add_f32_tensor("b", {1}, {4});
    const auto file = parse_bytes(writer.to_bytes());
    EXPECT_EQ(file->alignment(), 128u);
    EXPECT_EQ(file->metadata().size(), 1u) << "written once, not twice";
    EXPECT_EQ(file->find_tensor("b")->offset, 128u);
}

// Recursively compares two values, including the stored type of every array element.
void expect_same_value(const Value& expected, const Value& actual, const std::string& where) {
    ASSERT_EQ(expected.type, actual.type) << where;
    ASSERT_EQ(expected.data.index(), actual.data.index()) << where;
    if (expected.type != ValueType::ARRAY) {
        // The variant alternatives are known to match here.
        if (const auto* u = std::get_if<uint64_t>(&expected.data)) {
            EXPECT_EQ(*u, std::get<uint64_t>(actual.data)) << where;
        } else if (const auto* i = std::get_if<int64_t>(&expected.data)) {
            EXPECT_EQ(*i, std::get<int64_t>(actual.data)) << where;
        } else if (expected.is_number()) {
            const double e = expected.as_double(), a = actual.as_double();
            EXPECT_EQ(std::memcmp(&e, &a, sizeof e), 0) << where << ": " << e << " vs " << a;  // keeps -0.0
        } else if (expected.type == ValueType::BOOL) {
            EXPECT_EQ(expected.as_bool(), actual.as_bool()) << where;
        } else {
            EXPECT_EQ(expected.as_string(), actual.as_string()) << where;
        }
        return;
    }
    const ArrayValue& e = expected.as_array();
    const ArrayValue& a = actual.as_array();
    ASSERT_EQ(e.element_type, a.element_type) << where;
    ASSERT_EQ(e.items.size(), a.items.size()) << where;
    for (size_t i = 0; i < e.items.size(); ++i) {
        expect_same_value(e.items[i], a.items[i], where + "[" + std::to_string(i) + "]");
    }
}

std::vector<std::pair<std::string, Value>> every_value_type() {
    using Int64 = std::numeric_limits<int64_t>;
    Value nested3 = Value::array(
        ValueType::ARRAY,
        {Value::array(ValueType::ARRAY, {Value::i32_array({1, 2}), Value::i32_array({})}),
         Value::array(ValueType::ARRAY, {})});
    return {
        {"u8", Value::u8(255)},
        {"i8", Value::i8(-128)},
        {"u16", Value::u16(65535)},
        {"i16", Value::i16(-32768)},
        {"u32", Value::u32(4294967295u)},
        {"i32", Value::i32(std::numeric_limits<int32_t>::min())},
        {"u64", Value::u64(std::numeric_limits<uint64_t>::max())},
        {"i64", Value::i64(Int64::min())},
        {"f32", Value::f32(-1.5e-7f)},
        {"f32.neg_zero", Value::f32(-0.0f)},
        {"f32.inf", Value::f32(std::numeric_limits<float>::infinity())},
        {"f64", Value::f64(3.141592653589793)},
        {"bool.true", Value::boolean(true)},
        {"bool.false", Value::boolean(false)},
        {"string", Value::str("h\xC3\xA9llo \xE2\x96\x81world")},
        {"string.with_nul", Value::str(std::string("a\0b", 3))},
        {"string.empty", Value::str("")},
        {"array.empty", Value::array(ValueType::UINT8, {})},
        {"array.strings", Value::string_array({"\xC4\xA0t", "h e", ""})},
        {"array.f32", Value::f32_array({0.5f, -2.0f, 1e30f})},
        {"array.i32", Value::i32_array({-1, 0, 2147483647})},
        {"array.bool", Value::array(ValueType::BOOL, {Value::boolean(true), Value::boolean(false)})},
        {"array.u64", Value::array(ValueType::UINT64, {Value::u64(1), Value::u64(1ull << 63)})},
        {"array.i8", Value::array(ValueType::INT8, {Value::i8(-1), Value::i8(127)})},
        {"array.u16", Value::array(ValueType::UINT16, {Value::u16(1), Value::u16(40000)})},
        {"array.f64", Value::array(ValueType::FLOAT64, {Value::f64(-0.25)})},
        {"array.nested2", Value::array(ValueType::ARRAY, {Value::string_array({"a", "bc"}),
                                                          Value::string_array({})})},
        {"array.nested3", nested3},
    };
}

TEST(GgufWriter, RoundTripsEveryValueTypeIncludingNestedArrays) {
    GgufWriter writer;
    const auto values = every_value_type();
    for (const auto& [key, value] : values) writer.set(key, value);
    const auto file = parse_bytes(writer.to_bytes());
    ASSERT_EQ(file->metadata().size(), values.size());
    for (const auto& [key, value] : values) {
        const Value* read = file->find(key);
        ASSERT_NE(read, nullptr) << key;
        expect_same_value(value, *read, key);
    }
}

TEST(GgufWriter, RoundTripsArraysNestedToTheDepthLimit) {
    Value v = Value::i32_array({42});  // depth 1
    for (int depth = 2; depth <= kMaxArrayNesting; ++depth) v = Value::array(ValueType::ARRAY, {v});
    GgufWriter writer;
    writer.set("deep", v);
    const auto file = parse_bytes(writer.to_bytes());
    const Value* read = file->find("deep");
    ASSERT_NE(read, nullptr);
    for (int depth = 1; depth < kMaxArrayNesting; ++depth) read = &read->as_array().items.at(0);
    EXPECT_EQ(read->as_array().items.at(0).as_int(), 42);

    GgufWriter too_deep;
    too_deep.set("deep", Value::array(ValueType::ARRAY, {v}));
    EXPECT_THROW(too_deep.to_bytes(), std::invalid_argument);
}

TEST(GgufWriter, SetReplacesAnExistingKeyInPlace) {
    GgufWriter writer;
    writer.set("first", Value::u32(1));
    writer.set("second", Value::u32(2));
    writer.set("first", Value::str("one"));
    test::RawGguf expected;
    expected.header(0, 2).str("first").u32(8).str("one").kv_u32("second", 2).pad_to(32);
    EXPECT_EQ(writer.to_bytes(), expected.bytes);
}

TEST(GgufWriter, RoundTripsEveryTensorTypeSize) {
    GgufWriter writer;
    struct Written {
        std::string name;
        GgmlType type;
        std::vector<int64_t> ne;
        std::vector<uint8_t> data;
    };
    std::vector<Written> written;
    for (uint32_t id = 0; id < 64; ++id) {
        const TypeTraits* traits = type_traits(id);
        if (!traits) continue;
        Written w{std::string("tensor.") + traits->name, static_cast<GgmlType>(id),
                  {2 * traits->block_size, 3, 1, 2}, {}};
        w.data.resize(static_cast<size_t>(2 * traits->type_size * 3 * 2));
        for (size_t i = 0; i < w.data.size(); ++i) w.data[i] = static_cast<uint8_t>(i * 7 + id);
        writer.add_tensor(w.name, w.type, w.ne, w.data);
        written.push_back(std::move(w));
    }
    ASSERT_EQ(written.size(), 32u);

    const std::vector<uint8_t> bytes = writer.to_bytes();
    const auto file = parse_bytes(bytes);
    ASSERT_EQ(file->tensors().size(), written.size());
    uint64_t expected_offset = 0;
    for (size_t i = 0; i < written.size(); ++i) {
        const Written& w = written[i];
        const TensorInfo& t = file->tensors()[i];  // info order is kept
        EXPECT_EQ(t.name, w.name);
        EXPECT_EQ(t.type, w.type);
        EXPECT_EQ(t.n_dims, 4u);
        EXPECT_EQ(t.shape_string(), "[" + std::to_string(w.ne[0]) + ", 3, 1, 2]");
        EXPECT_EQ(t.n_elements(), w.ne[0] * 6);
        EXPECT_EQ(t.nbytes, w.data.size()) << w.name;
        EXPECT_EQ(t.offset, expected_offset) << w.name;
        EXPECT_EQ((file->data_offset() + t.offset) % 32, 0u);
        EXPECT_TRUE(std::equal(w.data.begin(), w.data.end(), t.data)) << w.name;
        expected_offset = (expected_offset + w.data.size() + 31) / 32 * 32;
    }
    EXPECT_EQ(file->data_offset() + expected_offset, bytes.size());
}

TEST(GgufWriter, WriteThenOpenMapsTheFile) {
    const std::string path = moe::test::temp_dir() + "/model.gguf";
    GgufWriter writer;
    writer.set("general.architecture", Value::str("qwen3moe"));
    writer.add_f32_tensor("blk.0.ffn_gate_inp.weight", {4, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
    writer.write(path);

    const auto file = GgufFile::open(path);
    EXPECT_EQ(file->path(), path);
    EXPECT_EQ(file->file_size(), std::filesystem::file_size(path));
    EXPECT_EQ(file->get_string("general.architecture"), "qwen3moe");
    const TensorInfo* t = file->find_tensor("blk.0.ffn_gate_inp.weight");
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->shape_string(), "[4, 2]");
    // The mapping is page-aligned, so the data pointer is aligned in memory as in the file.
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t->data) % 32, 0u);
    float values[8];
    std::memcpy(values, t->data, sizeof values);
    EXPECT_EQ(values[0], 1.0f);
    EXPECT_EQ(values[7], 8.0f);
    EXPECT_EQ(file->find_tensor("missing"), nullptr);
}

// A streamed tensor is made only while the file is written, and the file is byte for byte
// the one the same bytes given up front make.
TEST(GgufWriter, StreamedTensorsWriteTheSameBytesAsHeldOnes) {
    const std::vector<uint8_t> q8 = [] {
        std::vector<uint8_t> bytes(2 * 34);  // two Q8_0 blocks
        for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(3 * i + 1);
        return bytes;
    }();
    GgufWriter held, streamed;
    for (GgufWriter* w : {&held, &streamed}) {
        w->set("general.architecture", Value::str("gpt-oss"));
        w->add_f32_tensor("a", {3}, {1, 2, 3});
    }
    held.add_tensor("b", GgmlType::Q8_0, {32, 2}, q8);
    int calls = 0;
    streamed.add_streamed_tensor("b", GgmlType::Q8_0, {32, 2}, [&](uint8_t* out) {
        ++calls;
        std::copy(q8.begin(), q8.end(), out);
    });
    EXPECT_EQ(calls, 0);
    const std::string path = moe::test::temp_dir() + "/streamed.gguf";
    streamed.write(path);
    EXPECT_EQ(calls, 1);
    const std::vector<uint8_t> expected = held.to_bytes();
    const std::string written = moe::test::read_file(path);
    EXPECT_EQ(std::vector<uint8_t>(written.begin(), written.end()), expected);
    // Header: 24 + the key (28 + 4 + 15) + infos a (33) and b (41) = 145, padded to 160; then a's
    // 12 bytes padded to 32 and b's 68 padded to 96.
    EXPECT_EQ(expected.size(), 160u + 32u + 96u);
    const auto file = parse_bytes(expected);
    EXPECT_TRUE(std::equal(q8.begin(), q8.end(), file->find_tensor("b")->data));
}

// A filler that fails half-way (a quantizer error, a full disk) leaves the old file in place
// and no temporary file beside it.
TEST(GgufWriter, AFailedStreamLeavesTheOldFileAndNoTemporary) {
    const std::string dir = moe::test::temp_dir();
    const std::string path = dir + "/model.gguf";
    GgufWriter first;
    first.add_f32_tensor("a", {1}, {1});
    first.write(path);
    const std::string before = moe::test::read_file(path);

    GgufWriter failing;
    failing.add_f32_tensor("a", {1}, {2});
    failing.add_streamed_tensor("b", GgmlType::F32, {4}, [](uint8_t*) { throw std::runtime_error("disk full"); });
    EXPECT_THROW(failing.write(path), std::runtime_error);
    EXPECT_EQ(moe::test::read_file(path), before);
    size_t files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++files;
    EXPECT_EQ(files, 1u);
}

TEST(GgufWriter, WriteIntoAMissingFolderNamesThePath) {
    GgufWriter writer;
    const std::string path = moe::test::temp_dir() + "/no/such/folder/model.gguf";
    try {
        writer.write(path);
        FAIL() << "expected an error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
}

TEST(GgufWriter, RejectsInvalidInput) {
    GgufWriter writer;
    EXPECT_THROW(writer.set("general.alignment", Value::u32(48)), std::invalid_argument);
    EXPECT_THROW(writer.set("general.alignment", Value::u32(1u << 30)), std::invalid_argument);
    EXPECT_THROW(writer.set("general.alignment", Value::i32(64)), std::invalid_argument);
    EXPECT_THROW(GgufWriter(1u << 30).to_bytes(), std::invalid_argument) << "would pad with 1 GiB of zeros";
    EXPECT_THROW(writer.add_tensor("q", GgmlType::Q4_K, {100}, std::vector<uint8_t>(144)), std::invalid_argument);
    EXPECT_THROW(writer.add_tensor("q", GgmlType::Q8_0, {32}, std::vector<uint8_t>(33)), std::invalid_argument);
    EXPECT_THROW(writer.add_tensor("q", static_cast<GgmlType>(4), {32}, {}), std::invalid_argument);
    EXPECT_THROW(writer.add_f32_tensor("q", {}, {}), std::invalid_argument);
    EXPECT_THROW(writer.add_f32_tensor("q", {1, 1, 1, 1, 1}, {1}), std::invalid_argument);
    EXPECT_THROW(writer.add_f32_tensor("q", {0}, {}), std::invalid_argument);
    writer.add_f32_tensor("q", {1}, {1});
    EXPECT_THROW(writer.add_f32_tensor("q", {1}, {1}), std::invalid_argument);

    auto rejects_value = [](Value v) {
        GgufWriter w;
        w.set("k", std::move(v));
        EXPECT_THROW(w.to_bytes(), std::invalid_argument);
    };
    rejects_value(Value{ValueType::UINT8, uint64_t{256}});
    rejects_value(Value{ValueType::INT16, int64_t{40000}});
    rejects_value(Value{ValueType::UINT32, int64_t{1}});  // wrong alternative for the type
    rejects_value(Value{ValueType::FLOAT32, 1e300});
    rejects_value(Value::array(ValueType::INT32, {Value::i32(1), Value::u32(2)}));

    EXPECT_THROW(GgufWriter(48).to_bytes(), std::invalid_argument);
    EXPECT_THROW(GgufWriter(0).to_bytes(), std::invalid_argument);
}

TEST(GgufFileAccessors, TypedLookups) {
    GgufWriter writer;
    writer.set("int", Value::u32(7));
    writer.set("neg", Value::i64(-3));
    writer.set("huge", Value::u64(std::numeric_limits<uint64_t>::max()));
    writer.set("float", Value::f32(0.5f));
    writer.set("flag", Value::boolean(true));
    writer.set("name", Value::str("deepseek2"));
    writer.set("tokens", Value::string_array({"a", "b"}));
    writer.set("scores", Value::f32_array({0.25f, -1.0f}));
    writer.set("types", Value::i32_array({1, 3}));
    writer.set("ints_as_u8", Value::array(ValueType::UINT8, {Value::u8(9)}));
    const auto file = parse_bytes(writer.to_bytes());

    EXPECT_EQ(file->get_int("int"), 7);
    EXPECT_EQ(file->get_int("neg"), -3);
    EXPECT_EQ(file->get_float("int"), 7.0);
    EXPECT_EQ(file->get_float("float"), 0.5);
    EXPECT_EQ(file->get_bool("flag"), true);
    EXPECT_EQ(file->get_string("name"), "deepseek2");
    EXPECT_EQ(file->get_string_array("tokens"), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(file->get_float_array("scores"), (std::vector<float>{0.25f, -1.0f}));
    EXPECT_EQ(file->get_float_array("types"), (std::vector<float>{1.0f, 3.0f}));
    EXPECT_EQ(file->get_int_array("types"), (std::vector<int64_t>{1, 3}));
    EXPECT_EQ(file->get_int_array("ints_as_u8"), (std::vector<int64_t>{9}));

    EXPECT_EQ(file->get_int("absent"), std::nullopt);
    EXPECT_EQ(file->get_string("absent"), std::nullopt);
    EXPECT_TRUE(file->get_string_array("absent").empty());

    auto error_of = [](auto&& call) -> std::string {
        try {
            call();
        } catch (const GgufError& e) {
            return e.what();
        }
        return "no error";
    };
    EXPECT_EQ(error_of([&] { file->get_int("name"); }),
              "test.gguf: key 'name': value has type STRING, expected an integer");
    EXPECT_EQ(error_of([&] { file->get_string_array("types"); }),
              "test.gguf: key 'types': value has type ARRAY of INT32, expected an array of STRING");
    EXPECT_EQ(error_of([&] { file->get_int("huge"); }),
              "test.gguf: key 'huge': value 18446744073709551615 does not fit in int64");
    EXPECT_EQ(error_of([&] { file->get_bool("int"); }), "test.gguf: key 'int': value has type UINT32, expected BOOL");
    EXPECT_EQ(error_of([&] { file->get_int_array("scores"); }),
              "test.gguf: key 'scores': value has type ARRAY of FLOAT32, expected an array of integers");
    EXPECT_EQ(error_of([&] { file->get_float("tokens"); }),
              "test.gguf: key 'tokens': value has type ARRAY of STRING, expected a number");
}

}  // namespace
}  // namespace moe::gguf
