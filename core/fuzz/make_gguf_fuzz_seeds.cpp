// Writes a small seed corpus for fuzz_gguf_reader: valid GGUFs that reach every part of the reader.
// Usage: make_gguf_fuzz_seeds <output folder>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "gguf/gguf_file.h"

namespace {

using moe::GgmlType;
using moe::gguf::GgufWriter;
using moe::gguf::Value;
using moe::gguf::ValueType;

std::vector<uint8_t> pattern(size_t n) {
    std::vector<uint8_t> bytes(n);
    for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<uint8_t>(i * 31 + 7);
    return bytes;
}

GgufWriter every_value_type() {
    GgufWriter w;
    w.set("general.architecture", Value::str("qwen3moe"));
    w.set("u8", Value::u8(200));
    w.set("i8", Value::i8(-5));
    w.set("u16", Value::u16(60000));
    w.set("i16", Value::i16(-300));
    w.set("u32", Value::u32(4000000000u));
    w.set("i32", Value::i32(-70000));
    w.set("u64", Value::u64(1ull << 40));
    w.set("i64", Value::i64(-(1ll << 40)));
    w.set("f32", Value::f32(1e-6f));
    w.set("f64", Value::f64(2.5));
    w.set("bool", Value::boolean(true));
    w.set("tokenizer.ggml.tokens", Value::string_array({"a", "\xC4\xA0the", "<|bos|>"}));
    w.set("tokenizer.ggml.scores", Value::f32_array({0.0f, -1.5f, 2.0f}));
    w.set("tokenizer.ggml.token_type", Value::i32_array({1, 1, 3}));
    w.set("nested", Value::array(ValueType::ARRAY, {Value::i32_array({1}), Value::string_array({"x"})}));
    w.set("bools", Value::array(ValueType::BOOL, {Value::boolean(false), Value::boolean(true)}));
    return w;
}

GgufWriter tensors(uint32_t alignment) {
    GgufWriter w(alignment);
    w.set("general.architecture", Value::str("deepseek2"));
    w.add_f32_tensor("output_norm.weight", {4}, {1, 1, 1, 1});
    w.add_tensor("blk.0.ffn_gate_exps.weight", GgmlType::Q8_0, {32, 2, 2}, pattern(4 * 34));
    w.add_tensor("token_embd.weight", GgmlType::Q4_K, {256, 1}, pattern(144));
    w.add_tensor("blk.0.ffn_down_exps.weight", GgmlType::MXFP4, {32, 1, 1, 2}, pattern(2 * 17));
    w.add_tensor("blk.0.attn_q.weight", GgmlType::F16, {3, 2}, pattern(12));
    return w;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <output folder>\n", argv[0]);
        return 2;
    }
    const std::filesystem::path dir = argv[1];
    std::filesystem::create_directories(dir);
    GgufWriter minimal;
    minimal.set("general.architecture", Value::str("llama"));
    minimal.write((dir / "minimal.gguf").string());
    every_value_type().write((dir / "metadata.gguf").string());
    tensors(32).write((dir / "tensors.gguf").string());
    tensors(64).write((dir / "tensors-align64.gguf").string());
    std::printf("wrote 4 seeds to %s\n", dir.c_str());
    return 0;
}
