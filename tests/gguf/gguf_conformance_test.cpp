// Reading the llama.cpp-written conformance GGUFs. Expected values were read from the files with an
// independent throwaway parser.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>

#include "gguf/gguf_file.h"
#include "support/test_support.h"

namespace moe::gguf {
namespace {

float float_at(const TensorInfo& t, size_t index) {
    float v;
    std::memcpy(&v, t.data + index * sizeof(float), sizeof v);
    return v;
}

void expect_tensor(const GgufFile& file, const std::string& name, GgmlType type, const std::string& shape,
                   uint64_t offset, uint64_t nbytes) {
    const TensorInfo* t = file.find_tensor(name);
    ASSERT_NE(t, nullptr) << name;
    EXPECT_EQ(t->type, type) << name;
    EXPECT_EQ(t->shape_string(), shape) << name;
    EXPECT_EQ(t->offset, offset) << name;
    EXPECT_EQ(t->nbytes, nbytes) << name;
    EXPECT_EQ(t->data, file.tensors().front().data - file.tensors().front().offset + offset) << name;
}

TEST(GgufConformance, DeepSeek2F32) {
    MOE_REQUIRE_CONFORMANCE(dir);
    const auto file = GgufFile::open(dir + "/models/deepseek2-f32.gguf");
    EXPECT_EQ(file->version(), 3u);
    EXPECT_EQ(file->file_size(), 7084096u);
    EXPECT_EQ(file->alignment(), 32u);
    EXPECT_EQ(file->data_offset(), 8512u);  // the infos end at byte 8507
    EXPECT_EQ(file->metadata().size(), 41u);
    EXPECT_EQ(file->tensors().size(), 44u);

    EXPECT_EQ(file->get_string("general.architecture"), "deepseek2");
    EXPECT_EQ(file->get_int("deepseek2.block_count"), 3);
    EXPECT_EQ(file->get_int("deepseek2.expert_count"), 16);
    EXPECT_EQ(file->get_int("deepseek2.expert_used_count"), 4);
    EXPECT_EQ(file->get_int("deepseek2.attention.kv_lora_rank"), 64);
    EXPECT_EQ(file->get_float("deepseek2.attention.layer_norm_rms_epsilon"), double{1e-6f});
    EXPECT_EQ(file->get_float("deepseek2.expert_weights_scale"), 2.0);
    EXPECT_EQ(file->find("deepseek2.expert_weights_scale")->type, ValueType::FLOAT32);
    EXPECT_EQ(file->get_bool("tokenizer.ggml.add_bos_token"), true);
    EXPECT_EQ(file->get_string("tokenizer.ggml.pre"), "gpt-2");
    EXPECT_EQ(file->get_int("tokenizer.ggml.bos_token_id"), 264);

    const auto tokens = file->get_string_array("tokenizer.ggml.tokens");
    ASSERT_EQ(tokens.size(), 267u);
    EXPECT_EQ(tokens[0], "\xC4\x80");  // byte 0 in GPT-2's byte->unicode map: U+0100
    const auto merges = file->get_string_array("tokenizer.ggml.merges");
    ASSERT_EQ(merges.size(), 8u);
    EXPECT_EQ(merges[0], "\xC4\xA0 t");  // "Ġ t"
    EXPECT_EQ(merges[4], "\xC4\xA0t he");

    expect_tensor(*file, "token_embd.weight", GgmlType::F32, "[256, 267]", 0, 273408);
    expect_tensor(*file, "blk.0.attn_k_b.weight", GgmlType::F32, "[32, 64, 4]", 909568, 32768);
    expect_tensor(*file, "blk.1.ffn_gate_exps.weight", GgmlType::F32, "[256, 32, 16]", 2797056, 524288);
    expect_tensor(*file, "blk.1.ffn_down_exps.weight", GgmlType::F32, "[32, 256, 16]", 3845632, 524288);
    expect_tensor(*file, "blk.2.ffn_down_shexp.weight", GgmlType::F32, "[64, 256]", 7010048, 65536);
    EXPECT_EQ(file->tensors().back().name, "blk.2.ffn_down_shexp.weight");
    EXPECT_EQ(file->tensors().back().data + file->tensors().back().nbytes,
              file->tensors().front().data + (file->file_size() - file->data_offset()));

    const TensorInfo& embd = *file->find_tensor("token_embd.weight");
    EXPECT_EQ(float_at(embd, 0), -0.6291271448135376f);
    EXPECT_EQ(float_at(embd, 1), 2.664308786392212f);
    const TensorInfo& gate_exps = *file->find_tensor("blk.1.ffn_gate_exps.weight");
    EXPECT_EQ(float_at(gate_exps, 0), 0.07317525148391724f);
    EXPECT_EQ(float_at(gate_exps, 256 * 32 * 16 - 1), 0.0696997120976448f);
}

TEST(GgufConformance, DeepSeek2Q4KMixesQuantTypes) {
    MOE_REQUIRE_CONFORMANCE(dir);
    const auto file = GgufFile::open(dir + "/models/deepseek2-q4_k_m.gguf");
    EXPECT_EQ(file->tensors().size(), 44u);
    EXPECT_EQ(file->get_int("general.quantization_version"), 2);
    EXPECT_EQ(file->get_int("general.file_type"), 15);  // MOSTLY_Q4_K_M
    EXPECT_EQ(file->data_offset(), 8576u);              // the infos end at byte 8551
    expect_tensor(*file, "output.weight", GgmlType::Q6_K, "[256, 267]", 0, 267 * 210);
    expect_tensor(*file, "token_embd.weight", GgmlType::Q4_K, "[256, 267]", 57120, 267 * 144);
    expect_tensor(*file, "blk.0.attn_k_b.weight", GgmlType::Q5_0, "[32, 64, 4]", 95584, 64 * 4 * 22);
    expect_tensor(*file, "blk.1.ffn_down_exps.weight", GgmlType::Q5_0, "[32, 256, 16]", 418656, 256 * 16 * 22);
    expect_tensor(*file, "blk.2.ffn_down_exps.weight", GgmlType::Q8_0, "[32, 256, 16]", 809056, 256 * 16 * 34);
    expect_tensor(*file, "blk.2.ffn_gate_exps.weight", GgmlType::Q4_K, "[256, 32, 16]", 965728, 32 * 16 * 144);
    expect_tensor(*file, "blk.2.ffn_gate_inp.weight", GgmlType::F32, "[256, 16]", 1039456, 256 * 16 * 4);
}

TEST(GgufConformance, EveryFixtureParsesAndItsTensorsFit) {
    MOE_REQUIRE_CONFORMANCE(dir);
    int files = 0;
    for (const char* sub : {"/models", "/tokenizer"}) {
        for (const auto& entry : std::filesystem::directory_iterator(dir + sub)) {
            if (entry.path().extension() != ".gguf") continue;
            ++files;
            const auto file = GgufFile::open(entry.path().string());
            EXPECT_TRUE(file->get_string("general.architecture").has_value()) << entry.path();
            for (const TensorInfo& t : file->tensors()) {
                EXPECT_LE(file->data_offset() + t.offset + t.nbytes, file->file_size()) << t.name;
                EXPECT_EQ(t.offset % file->alignment(), 0u) << t.name;
            }
        }
    }
    EXPECT_EQ(files, 21);
}

TEST(GgufConformance, Qwen2VocabularyParsesQuickly) {
    MOE_REQUIRE_CONFORMANCE(dir);
    const auto start = std::chrono::steady_clock::now();
    const auto file = GgufFile::open(dir + "/tokenizer/ggml-vocab-qwen2.gguf");
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    RecordProperty("parse_ms", std::to_string(ms));
    std::printf("qwen2 vocabulary (151936 tokens, 151387 merges) parsed in %.1f ms\n", ms);

    EXPECT_TRUE(file->tensors().empty());
    EXPECT_EQ(file->data_offset(), 5932896u);  // metadata ends at 5932889, padded to 32
    EXPECT_EQ(file->file_size(), 5932896u);
    const auto& tokens = file->find("tokenizer.ggml.tokens")->as_array();
    ASSERT_EQ(tokens.items.size(), 151936u);
    EXPECT_EQ(tokens.items[0].as_string(), "!");
    EXPECT_EQ(tokens.items[151935].as_string(), "[PAD151935]");
    const auto& merges = file->find("tokenizer.ggml.merges")->as_array();
    ASSERT_EQ(merges.items.size(), 151387u);
    EXPECT_EQ(merges.items[0].as_string(), "\xC4\xA0 \xC4\xA0");  // "Ġ Ġ"
    EXPECT_EQ(merges.items[151386].as_string(), "\xC3\xA2\xC2\xBD \xC4\xB9");  // "â½ Ĺ"
    const auto token_types = file->get_int_array("tokenizer.ggml.token_type");
    ASSERT_EQ(token_types.size(), 151936u);
    EXPECT_EQ(token_types[0], 1);
    EXPECT_EQ(token_types[151935], 5);
    EXPECT_EQ(file->get_int("tokenizer.ggml.eos_token_id"), 151645);
    // Generous bound (sanitizer builds are slow); a release build takes a few tens of ms.
    EXPECT_LT(ms, 3000.0);
}

}  // namespace
}  // namespace moe::gguf
