// Truncated, corrupt and hostile files: each must raise a GgufError naming the file, the byte
// offset and the problem — never crash, never allocate by a count the file cannot hold.
#include <gtest/gtest.h>

#include <fstream>
#include <limits>

#include "gguf/gguf_file.h"
#include "gguf_test_bytes.h"
#include "support/test_support.h"

namespace moe::gguf {
namespace {

using test::parse_bytes;
using test::parse_error;
using test::RawGguf;

constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();
constexpr uint32_t kF32 = 0, kF64 = 28, kQ4_K = 12;

// Asserts that the bytes fail to parse with a message "test.gguf: at byte <at>: <problem>".
void expect_error(const RawGguf& raw, uint64_t at, const std::string& problem) {
    EXPECT_EQ(parse_error(raw.bytes), "test.gguf: at byte " + std::to_string(at) + ": " + problem);
}

// One tensor "w" whose info starts at byte 24, then the padded data section with `data_bytes` bytes.
RawGguf one_tensor(std::vector<uint64_t> ne, uint32_t type, uint64_t offset, size_t data_bytes) {
    RawGguf raw;
    raw.header(1, 0).tensor_info("w", std::move(ne), type, offset).pad_to(32).zeros(data_bytes);
    return raw;
}

// A valid file with every value type, nested arrays and two tensors, whose last tensor ends the
// file exactly (no trailing padding), so every shorter prefix is invalid.
std::vector<uint8_t> rich_valid_file() {
    GgufWriter writer;
    writer.set("general.architecture", Value::str("deepseek2"));
    writer.set("u8", Value::u8(1));
    writer.set("i8", Value::i8(-1));
    writer.set("u16", Value::u16(2));
    writer.set("i16", Value::i16(-2));
    writer.set("u32", Value::u32(3));
    writer.set("i32", Value::i32(-3));
    writer.set("u64", Value::u64(4));
    writer.set("i64", Value::i64(-4));
    writer.set("f32", Value::f32(0.5f));
    writer.set("f64", Value::f64(0.25));
    writer.set("bool", Value::boolean(true));
    writer.set("tokens", Value::string_array({"a", "bc", ""}));
    writer.set("nested", Value::array(ValueType::ARRAY, {Value::i32_array({1, 2}), Value::i32_array({})}));
    writer.set("bools", Value::array(ValueType::BOOL, {Value::boolean(false)}));
    writer.add_tensor("q", GgmlType::Q8_0, {32, 2}, std::vector<uint8_t>(68, 0x11));
    writer.add_f32_tensor("f", {8}, std::vector<float>(8, 1.0f));
    return writer.to_bytes();
}

TEST(GgufCorrupt, ValidBaseFileParses) {
    const auto bytes = rich_valid_file();
    const auto file = parse_bytes(bytes);
    EXPECT_EQ(file->tensors().size(), 2u);
    EXPECT_EQ(file->metadata().size(), 15u);
    const TensorInfo* last = file->find_tensor("f");
    EXPECT_EQ(last->data + last->nbytes, bytes.data() + bytes.size());
}

TEST(GgufCorrupt, TruncationAtEveryByteThrows) {
    const auto bytes = rich_valid_file();
    for (size_t size = 0; size < bytes.size(); ++size) {
        const std::string message = parse_error(bytes, size);
        ASSERT_FALSE(message.empty()) << "a prefix of " << size << " bytes parsed";
        ASSERT_EQ(message.rfind("test.gguf: at byte ", 0), 0u) << message;
    }
}

TEST(GgufCorrupt, TruncationInTheMiddleOfAFieldNamesIt) {
    const auto bytes = rich_valid_file();
    EXPECT_EQ(parse_error(bytes, 0), "test.gguf: at byte 0: the GGUF magic needs 4 bytes but only 0 are left in the file");
    EXPECT_EQ(parse_error(bytes, 10), "test.gguf: at byte 8: tensor count needs 8 bytes but only 2 are left in the file");
}

TEST(GgufCorrupt, EveryCorruptedByteOfTheHeaderAndMetadataIsHandled) {
    // Flipping any single byte must give either a valid file or a GgufError, never a crash.
    const auto bytes = rich_valid_file();
    for (size_t i = 0; i < bytes.size(); ++i) {
        for (uint8_t flip : {0x01, 0x80, 0xFF}) {
            auto corrupted = bytes;
            corrupted[i] ^= flip;
            const std::string message = parse_error(corrupted);
            if (!message.empty()) {
                ASSERT_EQ(message.rfind("test.gguf: at byte ", 0), 0u) << message;
            }
        }
    }
}

TEST(GgufCorrupt, BadMagic) {
    RawGguf raw;
    raw.bytes = {'G', 'G', 'M', 'L', 3, 0, 0, 0};
    expect_error(raw, 0, "bad magic (expected \"GGUF\"): not a GGUF file");
}

TEST(GgufCorrupt, Version1IsRejected) {
    RawGguf raw;
    raw.header(0, 0, 1);
    expect_error(raw, 4, "GGUF version 1 is no longer supported (re-convert the model)");
}

TEST(GgufCorrupt, VersionsAbove3AreRejected) {
    RawGguf raw;
    raw.header(0, 0, 4);
    expect_error(raw, 4, "unsupported GGUF version 4 (supported: 2 and 3)");
    RawGguf zero;
    zero.header(0, 0, 0);
    expect_error(zero, 4, "unsupported GGUF version 0 (supported: 2 and 3)");
}

TEST(GgufCorrupt, ByteSwappedFileIsDetected) {
    RawGguf raw;
    raw.header(0, 0, 0x03000000);
    expect_error(raw, 4,
                 "version field reads 50331648: the file is byte-swapped (big-endian GGUF), only little-endian "
                 "files are supported");
}

TEST(GgufCorrupt, Version2IsAccepted) {
    RawGguf raw;
    raw.header(0, 1, 2).kv_u32("a", 5);
    const auto file = parse_bytes(raw.bytes);
    EXPECT_EQ(file->version(), 2u);
    EXPECT_EQ(file->get_int("a"), 5);
    // Without tensors the padding after the metadata is optional.
    EXPECT_LE(file->data_offset(), file->file_size());
}

TEST(GgufCorrupt, HugeStringLength) {
    RawGguf raw;
    raw.header(0, 1).u64(kU64Max).zeros(50);
    expect_error(raw, 24, "metadata kv 0: string length 18446744073709551615 exceeds the 50 bytes left in the file");
}

TEST(GgufCorrupt, StringValueLongerThanTheFile) {
    RawGguf raw;
    raw.header(0, 1).str("name").u32(8).u64(1000).zeros(10);
    expect_error(raw, 40, "key 'name': string length 1000 exceeds the 10 bytes left in the file");
}

TEST(GgufCorrupt, HugeCounts) {
    RawGguf kvs;
    kvs.header(0, kU64Max / 2).zeros(20);
    expect_error(kvs, 16, "metadata kv count 9223372036854775807 needs at least 13 bytes each but only 20 are left "
                          "in the file");
    RawGguf tensors;
    tensors.header(1ull << 40, 0).zeros(100);
    expect_error(tensors, 8, "tensor count 1099511627776 needs at least 32 bytes each but only 108 are left in the "
                             "file");
    // The tensor count must also fit in what is left after the metadata.
    RawGguf after_metadata;
    after_metadata.header(2, 1).str("s").u32(8).str(std::string(40, 'x')).zeros(60);
    expect_error(after_metadata, 8, "tensor count 2 needs at least 32 bytes each but only 60 are left in the file");
}

TEST(GgufCorrupt, HugeArrayCount) {
    RawGguf raw;
    raw.header(0, 1).str("arr").u32(9).u32(4).u64(1ull << 61).zeros(12);
    expect_error(raw, 43, "key 'arr': array count 2305843009213693952 needs at least 4 bytes each but only 12 are "
                          "left in the file");
    // Strings need at least their 8-byte length each.
    RawGguf strings;
    strings.header(0, 1).str("arr").u32(9).u32(8).u64(3).zeros(23);
    expect_error(strings, 43, "key 'arr': array count 3 needs at least 8 bytes each but only 23 are left in the file");
    // Nested arrays need at least their 12-byte header each.
    RawGguf nested;
    nested.header(0, 1).str("arr").u32(9).u32(9).u64(2).zeros(23);
    expect_error(nested, 43, "key 'arr': array count 2 needs at least 12 bytes each but only 23 are left in the file");
}

TEST(GgufCorrupt, ArrayElementsAreLimitedPerFile) {
    const uint64_t count = kMaxMetadataArrayElements + 1;
    RawGguf raw;
    raw.header(0, 1).str("arr").u32(9).u32(0).u64(count).zeros(count);
    expect_error(raw, 43, "key 'arr': array count 16777217 exceeds the limit of 16777216 metadata array elements per "
                          "file");
}

TEST(GgufCorrupt, UnknownValueTypes) {
    RawGguf raw;
    raw.header(0, 1).str("k").u32(13).u32(0);
    expect_error(raw, 33, "key 'k': unknown value type 13");
    RawGguf element;
    element.header(0, 1).str("k").u32(9).u32(0xFFFFFFFF).u64(0);
    expect_error(element, 37, "key 'k': unknown array element type 4294967295");
}

TEST(GgufCorrupt, BoolMustBe0Or1) {
    RawGguf raw;
    raw.header(0, 1).str("b").u32(7).u8(2);
    expect_error(raw, 37, "key 'b': BOOL value is 2, not 0 or 1");
    RawGguf in_array;
    in_array.header(0, 1).str("b").u32(9).u32(7).u64(2).u8(1).u8(255);
    expect_error(in_array, 50, "key 'b': BOOL value is 255, not 0 or 1");
}

TEST(GgufCorrupt, ArrayNestingIsLimited) {
    // 100000 nested array headers: the reader stops at level 17 instead of recursing further.
    RawGguf raw;
    raw.header(0, 1).str("deep").u32(9);
    for (int i = 0; i < 100000; ++i) raw.u32(9).u64(1);
    expect_error(raw, 40 + 16 * 12, "key 'deep': arrays nested deeper than 16 levels");
}

TEST(GgufCorrupt, DuplicateKey) {
    RawGguf raw;
    raw.header(0, 2).kv_u32("a", 1).kv_u32("a", 2);
    expect_error(raw, 41, "key 'a': duplicate key");
}

TEST(GgufCorrupt, AlignmentMustBeAPowerOfTwoUint32) {
    RawGguf wrong_type;
    wrong_type.header(0, 1).str("general.alignment").u32(5).u32(32);
    expect_error(wrong_type, 53, "key 'general.alignment': has type INT32, must be UINT32");
    for (uint32_t bad : {0u, 48u, 0xFFFFFFFFu}) {
        RawGguf raw;
        raw.header(0, 1).kv_u32("general.alignment", bad);
        expect_error(raw, 53, "key 'general.alignment': alignment " + std::to_string(bad) + " is not a power of two");
    }
}

// Fuzz findings oom-3925b054 and oom-7ed8e758 (issue 13): a 1 GiB (and a 2 GiB) alignment was
// accepted, and GgufWriter then allocated that much padding.
TEST(GgufCorrupt, AlignmentAbove1MiBIsRefused) {
    for (uint32_t huge : {1u << 30, 1u << 31, 1u << 21}) {
        RawGguf raw;
        raw.header(0, 1).kv_u32("general.alignment", huge);
        expect_error(raw, 53, "key 'general.alignment': alignment " + std::to_string(huge) +
                                  " is over the limit of 1048576 bytes");
    }
}

TEST(GgufCorrupt, CustomAlignmentAppliesToTheDataSection) {
    RawGguf raw;
    raw.header(1, 1).kv_u32("general.alignment", 256).tensor_info("w", {4}, kF32, 0).pad_to(256).zeros(16);
    const auto file = parse_bytes(raw.bytes);
    EXPECT_EQ(file->alignment(), 256u);
    EXPECT_EQ(file->data_offset(), 256u);
    RawGguf misaligned;
    misaligned.header(1, 1).kv_u32("general.alignment", 256).tensor_info("w", {4}, kF32, 32).pad_to(256).zeros(300);
    expect_error(misaligned, 82, "tensor 'w': data offset 32 is not a multiple of the alignment 256");
}

TEST(GgufCorrupt, DimensionCountOutside1To4) {
    expect_error(one_tensor({1, 1, 1, 1, 1}, kF32, 0, 4), 33, "tensor 'w': n_dims 5 is outside 1..4");
    expect_error(one_tensor({}, kF32, 0, 4), 33, "tensor 'w': n_dims 0 is outside 1..4");
}

TEST(GgufCorrupt, ZeroDimension) {
    expect_error(one_tensor({4, 0}, kF32, 0, 16), 45, "tensor 'w': ne[1] = 0: dimensions must be at least 1");
}

TEST(GgufCorrupt, ElementCountOverflow) {
    expect_error(one_tensor({1ull << 32, 1ull << 32}, kF32, 0, 0), 45,
                 "tensor 'w': ne[1] = 4294967296: the element count overflows int64");
    expect_error(one_tensor({1ull << 62, 2}, kF32, 0, 0), 45,
                 "tensor 'w': ne[1] = 2: the element count overflows int64");
    expect_error(one_tensor({kU64Max}, kF32, 0, 0), 37,
                 "tensor 'w': ne[0] = 18446744073709551615: the element count overflows int64");
}

TEST(GgufCorrupt, ByteSizeOverflow) {
    expect_error(one_tensor({1ull << 62}, kF64, 0, 0), 45,
                 "tensor 'w': the byte size of [4611686018427387904] f64 overflows");
}

TEST(GgufCorrupt, UnknownOrRemovedTensorType) {
    expect_error(one_tensor({32}, 4, 0, 32), 45, "tensor 'w': unknown or removed tensor type id 4");
    expect_error(one_tensor({32}, 99, 0, 32), 45, "tensor 'w': unknown or removed tensor type id 99");
}

TEST(GgufCorrupt, Ne0NotDivisibleByBlockSize) {
    expect_error(one_tensor({100, 2}, kQ4_K, 0, 288), 53,
                 "tensor 'w': ne[0] = 100 is not a multiple of the q4_K block size 256");
}

TEST(GgufCorrupt, MisalignedOffset) {
    expect_error(one_tensor({4}, kF32, 8, 64), 49, "tensor 'w': data offset 8 is not a multiple of the alignment 32");
}

TEST(GgufCorrupt, TensorDataPastTheEndOfTheFile) {
    // Infos end at byte 57, so the data section starts at 64 and holds the 32 bytes written.
    expect_error(one_tensor({8}, kF32, 32, 32), 49,
                 "tensor 'w': 32 bytes of data at data offset 32 do not fit in the file (its data section starts at "
                 "byte 64 and holds 32 bytes)");
    expect_error(one_tensor({8}, kF32, 0, 31), 49,
                 "tensor 'w': 32 bytes of data at data offset 0 do not fit in the file (its data section starts at "
                 "byte 64 and holds 31 bytes)");
    // An offset near 2^64 must not wrap around to a small address.
    expect_error(one_tensor({8}, kF32, kU64Max - 31, 32), 49,
                 "tensor 'w': 32 bytes of data at data offset 18446744073709551584 do not fit in the file (its data "
                 "section starts at byte 64 and holds 32 bytes)");
    // No padding after the infos at all.
    RawGguf unpadded;
    unpadded.header(1, 0).tensor_info("w", {1}, kF32, 0);
    expect_error(unpadded, 49,
                 "tensor 'w': 4 bytes of data at data offset 0 do not fit in the file (its data section starts at "
                 "byte 64 and holds 0 bytes)");
}

TEST(GgufCorrupt, DuplicateTensorName) {
    RawGguf raw;
    raw.header(2, 0).tensor_info("w", {1}, kF32, 0).tensor_info("w", {1}, kF32, 32).pad_to(32).zeros(64);
    expect_error(raw, 57, "tensor 'w': duplicate tensor name");
}

TEST(GgufCorrupt, OpenNamesThePath) {
    const std::string dir = moe::test::temp_dir();
    const std::string path = dir + "/bad.gguf";
    RawGguf raw;
    raw.header(0, 1).u64(kU64Max).zeros(5);
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(raw.bytes.data()),
                                                static_cast<std::streamsize>(raw.size()));
    auto open_error = [](const std::string& p) -> std::string {
        try {
            GgufFile::open(p);
        } catch (const GgufError& e) {
            return e.what();
        }
        return "no error";
    };
    EXPECT_EQ(open_error(path),
              path + ": at byte 24: metadata kv 0: string length 18446744073709551615 exceeds the 5 bytes left in "
                     "the file");

    const std::string empty = dir + "/empty.gguf";
    std::ofstream(empty, std::ios::binary).flush();
    EXPECT_EQ(open_error(empty), empty + ": at byte 0: the GGUF magic needs 4 bytes but only 0 are left in the file");

    EXPECT_EQ(open_error(dir + "/missing.gguf").rfind(dir + "/missing.gguf: cannot open: ", 0), 0u);
    EXPECT_EQ(open_error(dir), dir + ": not a regular file");
}

}  // namespace
}  // namespace moe::gguf
