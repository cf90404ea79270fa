// GgufFile::copy_tensor_data_to_huge_pages: the tensors move into 2 MiB pages byte for byte,
// keep their alignment, and a cancelled copy leaves them where they were.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "support/test_support.h"

namespace moe::gguf {
namespace {

// Three tensors of odd sizes with 256-byte alignment, so every tensor but the first starts after padding.
std::string three_tensor_file() {
    const std::string path = test::temp_dir() + "/three-tensors.gguf";
    GgufWriter writer(256);
    std::vector<float> a(25), c(3);
    for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i) * 0.5f;
    for (size_t i = 0; i < c.size(); ++i) c[i] = -static_cast<float>(i) - 1.0f;
    std::vector<uint8_t> q8(2 * 34);
    for (size_t i = 0; i < q8.size(); ++i) q8[i] = static_cast<uint8_t>(i * 7 + 3);
    writer.add_f32_tensor("a", {25}, a);
    writer.add_tensor("b", GgmlType::Q8_0, {64}, q8);
    writer.add_f32_tensor("c", {3}, c);
    writer.write(path);
    return path;
}

std::vector<std::vector<uint8_t>> tensor_bytes(const GgufFile& file) {
    std::vector<std::vector<uint8_t>> out;
    for (const TensorInfo& t : file.tensors()) out.emplace_back(t.data, t.data + t.nbytes);
    return out;
}

TEST(HugePageCopy, EveryTensorKeepsItsBytesAndAlignment) {
    const auto file = GgufFile::open(three_tensor_file());
    const std::vector<std::vector<uint8_t>> before = tensor_bytes(*file);
    std::vector<const uint8_t*> mapped;
    for (const TensorInfo& t : file->tensors()) mapped.push_back(t.data);
    std::vector<float> reported;
    ASSERT_TRUE(file->copy_tensor_data_to_huge_pages([&](float f) {
        reported.push_back(f);
        return true;
    }));
    EXPECT_TRUE(file->tensor_data_in_huge_pages());
    ASSERT_FALSE(reported.empty());
    EXPECT_EQ(reported.back(), 1.0f);
    EXPECT_EQ(tensor_bytes(*file), before);
    for (size_t k = 0; k < file->tensors().size(); ++k) {
        const TensorInfo& t = file->tensors()[k];
        EXPECT_NE(t.data, mapped[k]) << t.name;
        EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data) % 256, 0u) << t.name;
        EXPECT_EQ(t.data - file->tensors()[0].data, mapped[k] - mapped[0]) << t.name;  // the section's layout
    }
    EXPECT_EQ(file->find_tensor("b")->data, file->tensors()[1].data);
    EXPECT_EQ(file->tensor_data_bytes(), file->file_size() - file->data_offset());
}

// A split model: the second shard's tensors, listed in the first file's table, move too.
TEST(HugePageCopy, TensorsOfEveryShardMove) {
    const std::string prefix = test::temp_dir() + "/copied";
    for (int shard = 0; shard < 2; ++shard) {
        GgufWriter writer;
        writer.set("split.no", Value::u16(static_cast<uint16_t>(shard)));
        writer.set("split.count", Value::u16(2));
        writer.set("split.tensors.count", Value::i32(2));
        writer.add_f32_tensor(shard == 0 ? "first" : "second", {4}, {1.0f + shard, 2.0f, 3.0f, 4.0f});
        writer.write(prefix + (shard == 0 ? "-00001-of-00002.gguf" : "-00002-of-00002.gguf"));
    }
    const auto file = GgufFile::open_model(prefix + "-00001-of-00002.gguf");
    ASSERT_EQ(file->tensors().size(), 2u);
    const std::vector<std::vector<uint8_t>> before = tensor_bytes(*file);
    const uint8_t* first = file->tensors()[0].data;
    const uint8_t* second = file->tensors()[1].data;
    float last = 0.0f;
    ASSERT_TRUE(file->copy_tensor_data_to_huge_pages([&](float f) {
        last = f;
        return true;
    }));
    EXPECT_NE(file->tensors()[0].data, first);
    EXPECT_NE(file->tensors()[1].data, second);
    EXPECT_EQ(tensor_bytes(*file), before);
    // Progress counts the bytes read, not the padding that aligns the second section: it ends at 1.
    EXPECT_EQ(last, 1.0f);
}

TEST(HugePageCopy, ACancelledCopyLeavesTheTensorsInTheMapping) {
    const auto file = GgufFile::open(three_tensor_file());
    const std::vector<std::vector<uint8_t>> before = tensor_bytes(*file);
    const uint8_t* first = file->tensors()[0].data;
    EXPECT_FALSE(file->copy_tensor_data_to_huge_pages([](float) { return false; }));
    EXPECT_FALSE(file->tensor_data_in_huge_pages());
    EXPECT_EQ(file->tensors()[0].data, first);
    EXPECT_EQ(tensor_bytes(*file), before);
}

// The file shrank after it was opened (another program rewrote it): the copy names the problem
// instead of handing out tensors with missing bytes.
TEST(HugePageCopy, AFileThatGotShorterIsNamed) {
    const std::string path = three_tensor_file();
    const auto file = GgufFile::open(path);
    std::filesystem::resize_file(path, file->data_offset() + 10);
    try {
        file->copy_tensor_data_to_huge_pages({});
        FAIL() << "no error";
    } catch (const GgufError& e) {
        EXPECT_NE(std::string(e.what()).find(path + ": cannot read the tensor data at byte"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("the file got shorter"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(file->tensor_data_in_huge_pages());
}

}  // namespace
}  // namespace moe::gguf
