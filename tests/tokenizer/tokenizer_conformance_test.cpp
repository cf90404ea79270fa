// The llama.cpp vocabulary fixtures (conformance README §1): 46 strings per vocabulary with the
// ids Hugging Face `tokenizers` gives, plus the prompts of the model dumps (§3).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "support/test_support.h"
#include "tokenizer/tokenizer.h"

namespace moe {
namespace {

constexpr int kStringsPerVocab = 46;

// `.inp`: every string is followed by "\n__ggml_vocab_test__\n"; nothing is stripped.
std::vector<std::string> parse_inputs(const std::string& data) {
    const std::string separator = "\n__ggml_vocab_test__\n";
    std::vector<std::string> strings;
    size_t start = 0;
    for (size_t at = data.find(separator); at != std::string::npos; at = data.find(separator, start)) {
        strings.push_back(data.substr(start, at - start));
        start = at + separator.size();
    }
    return strings;
}

// `.out`: one line per string, each id written as " <id>".
std::vector<std::vector<int32_t>> parse_outputs(const std::string& data) {
    std::vector<std::vector<int32_t>> lines;
    std::istringstream in(data);
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        std::vector<int32_t> ids;
        for (int32_t id; fields >> id;) ids.push_back(id);
        lines.push_back(std::move(ids));
    }
    return lines;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct LoadedVocab {
    std::unique_ptr<gguf::GgufFile> file;
    std::unique_ptr<Tokenizer> tokenizer;
    double open_seconds = 0, tokenizer_seconds = 0;
};

LoadedVocab load_vocab(const std::string& path) {
    LoadedVocab vocab;
    const auto start = std::chrono::steady_clock::now();
    vocab.file = gguf::GgufFile::open(path);
    vocab.open_seconds = seconds_since(start);
    const auto built = std::chrono::steady_clock::now();
    vocab.tokenizer = Tokenizer::from_gguf(*vocab.file);
    vocab.tokenizer_seconds = seconds_since(built);
    return vocab;
}

std::string printable(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else out += static_cast<char>(c);
    }
    return out;
}

class VocabConformance : public testing::TestWithParam<const char*> {
protected:
    void SetUp() override {
        const std::string dir = test::conformance_dir();
        if (dir.empty()) GTEST_SKIP() << "conformance fixtures not found; set MOESCOPE_CONFORMANCE_DIR";
        base_ = dir + "/tokenizer/ggml-vocab-" + GetParam() + ".gguf";
        inputs_ = parse_inputs(test::read_file(base_ + ".inp"));
        expected_ = parse_outputs(test::read_file(base_ + ".out"));
        ASSERT_EQ(inputs_.size(), static_cast<size_t>(kStringsPerVocab));
        ASSERT_EQ(expected_.size(), static_cast<size_t>(kStringsPerVocab));
    }

    std::string base_;
    std::vector<std::string> inputs_;
    std::vector<std::vector<int32_t>> expected_;
};

TEST_P(VocabConformance, EncodesEveryStringLikeTheReference) {
    const LoadedVocab vocab = load_vocab(base_);
    std::printf("[ vocab    ] %-15s open %.3f s, tokenizer %.3f s, %d tokens\n", GetParam(), vocab.open_seconds,
                vocab.tokenizer_seconds, vocab.tokenizer->vocab_size());
    // Load time is reported, not asserted: speed lives in benchmarks (a loaded CI machine
    // took 3.5 s for the 128k-token llama-bpe vocabulary).

    int matches = 0;
    for (int i = 0; i < kStringsPerVocab; ++i) {
        const std::vector<int32_t> ids = vocab.tokenizer->encode(inputs_[i], false, false);
        EXPECT_EQ(ids, expected_[i]) << "string " << i << ": \"" << printable(inputs_[i]) << "\"";
        matches += ids == expected_[i];
    }
    std::printf("[ vocab    ] %-15s %d/%d strings match\n", GetParam(), matches, kStringsPerVocab);
}

TEST_P(VocabConformance, DecodeRoundTripsEveryString) {
    const LoadedVocab vocab = load_vocab(base_);
    for (int i = 0; i < kStringsPerVocab; ++i) {
        EXPECT_EQ(vocab.tokenizer->decode(vocab.tokenizer->encode(inputs_[i], false, false)), inputs_[i]) << "string " << i;
    }
}

TEST_P(VocabConformance, StreamingMatchesWholeDecode) {
    const LoadedVocab vocab = load_vocab(base_);
    for (int i = 0; i < kStringsPerVocab; ++i) {
        StreamingDecoder stream(*vocab.tokenizer);
        std::string text;
        for (int32_t id : vocab.tokenizer->encode(inputs_[i], false, false)) text += stream.push(id);
        text += stream.flush();
        EXPECT_EQ(text, inputs_[i]) << "string " << i;
    }
}

INSTANTIATE_TEST_SUITE_P(AllVocabularies, VocabConformance,
                         testing::Values("deepseek-llm", "deepseek-v3", "deepseek-coder", "qwen2", "llama-spm",
                                         "phi-3", "olmo", "refact", "gpt-2", "llama-bpe"),
                         [](const testing::TestParamInfo<const char*>& info) {
                             std::string name = info.param;
                             for (char& c : name) c = (c == '-') ? '_' : c;
                             return name;
                         });

// gpt-oss's real o200k vocabulary (made by tools/make_o200k_vocab.sh, not committed) under both
// pre-tokenizer names llama.cpp gives these rules: English, Chinese, code, emoji (with ZWJ
// sequences), numbers, accents, Cyrillic, Japanese, Korean and odd whitespace, one string per
// line and the whole text, against the ids llama.cpp's llama-tokenize printed (committed).
class O200kConformance : public testing::TestWithParam<const char*> {};

TEST_P(O200kConformance, EncodesTheMultilingualTextLikeLlamaTokenize) {
    const char* env = std::getenv("MOESCOPE_O200K_VOCAB_DIR");
    const std::string dir = env && *env ? env : MOESCOPE_BINARY_DIR "/fixtures";
    const std::string vocab_path = dir + "/ggml-vocab-o200k-" + GetParam() + ".gguf";
    if (!std::filesystem::exists(vocab_path))
        GTEST_SKIP() << vocab_path << " not made; run tools/make_o200k_vocab.sh " << dir;
    const std::string data = std::string(MOESCOPE_SOURCE_DIR) + "/tests/data/tokenizer/o200k-multilingual";
    const std::vector<std::string> inputs = parse_inputs(test::read_file(data + ".inp"));
    const std::vector<std::vector<int32_t>> expected = parse_outputs(test::read_file(data + ".out"));
    ASSERT_EQ(inputs.size(), 7u);
    ASSERT_EQ(expected.size(), inputs.size());
    const LoadedVocab vocab = load_vocab(vocab_path);
    EXPECT_EQ(vocab.tokenizer->vocab_size(), 200019);
    for (size_t i = 0; i < inputs.size(); ++i) {
        const std::vector<int32_t> ids = vocab.tokenizer->encode(inputs[i], false, false);
        EXPECT_EQ(ids, expected[i]) << "string " << i << ": \"" << printable(inputs[i]) << "\"";
        EXPECT_EQ(vocab.tokenizer->decode(ids), inputs[i]) << "string " << i;
    }
}

INSTANTIATE_TEST_SUITE_P(GptOssAndLlama4, O200kConformance, testing::Values("gpt-4o", "llama4"),
                         [](const testing::TestParamInfo<const char*>& info) {
                             return std::string(info.param) == "gpt-4o" ? std::string("gpt_4o") : std::string("llama4");
                         });

// GLM-4.5 ("glm4") and Ling ("bailingmoe2") files name pre-tokenizers of their own. Their real
// vocabularies are not at hand, so the conformance Llama-3 vocabulary is rewritten with each name
// (as gguf-py's gguf_new_metadata.py --pre-tokenizer does) and the multilingual text is compared
// with the ids llama.cpp's llama-tokenize printed for that same rewritten file (committed).
class RenamedPreTokenizer : public testing::TestWithParam<const char*> {};

TEST_P(RenamedPreTokenizer, EncodesTheMultilingualTextLikeLlamaTokenize) {
    MOE_REQUIRE_CONFORMANCE(dir);
    const auto llama_bpe = gguf::GgufFile::open(dir + "/tokenizer/ggml-vocab-llama-bpe.gguf");
    gguf::GgufWriter writer(llama_bpe->alignment());
    for (const auto& [key, value] : llama_bpe->metadata())
        if (key != "general.alignment") writer.set(key, value);
    writer.set("tokenizer.ggml.pre", gguf::Value::str(GetParam()));
    const std::vector<uint8_t> bytes = writer.to_bytes();
    const auto renamed = gguf::GgufFile::parse(bytes.data(), bytes.size(), GetParam());
    const auto tokenizer = Tokenizer::from_gguf(*renamed);

    const std::string data = std::string(MOESCOPE_SOURCE_DIR) + "/tests/data/tokenizer/";
    const std::vector<std::string> inputs = parse_inputs(test::read_file(data + "o200k-multilingual.inp"));
    const auto expected = parse_outputs(test::read_file(data + GetParam() + "-on-llama-bpe.out"));
    ASSERT_EQ(inputs.size(), 7u);
    ASSERT_EQ(expected.size(), inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
        const std::vector<int32_t> ids = tokenizer->encode(inputs[i], false, false);
        EXPECT_EQ(ids, expected[i]) << "string " << i << ": \"" << printable(inputs[i]) << "\"";
        EXPECT_EQ(tokenizer->decode(ids), inputs[i]) << "string " << i;
    }
}

INSTANTIATE_TEST_SUITE_P(Glm4AndBailingMoe2, RenamedPreTokenizer, testing::Values("glm4", "bailingmoe2"));

// prompt_tokens.tsv: idx<TAB>id<TAB>piece.
std::vector<int32_t> read_prompt_ids(const std::string& path) {
    std::vector<int32_t> ids;
    std::istringstream in(test::read_file(path));
    for (std::string line; std::getline(in, line);) {
        const size_t tab = line.find('\t');
        ids.push_back(std::stoi(line.substr(tab + 1)));
    }
    return ids;
}

struct DumpPrompt {
    const char* name;
    const char* text;
};
constexpr DumpPrompt kDumpPrompts[] = {
    {"p1", "Mixture-of-Experts models route each token to a few experts."},
    {"p2", "def add(a, b):\n    return a + b  # 1+1=2"},
};

TEST(ConformanceModels, PromptsTokenizeLikeTheDumps) {
    MOE_REQUIRE_CONFORMANCE(dir);
    for (const DumpPrompt& prompt : kDumpPrompts) {
        const std::vector<int32_t> expected =
            read_prompt_ids(dir + "/dumps/deepseek2-f32/" + prompt.name + "/prompt_tokens.tsv");
        ASSERT_FALSE(expected.empty());
        EXPECT_EQ(expected.front(), 264);  // <|bos|>
        // Every model file carries the same 267-token vocabulary (README §2).
        int models_checked = 0;
        for (const auto& entry : std::filesystem::directory_iterator(dir + "/models")) {
            if (entry.path().extension() != ".gguf") continue;
            ++models_checked;
            const auto file = gguf::GgufFile::open(entry.path().string());
            const auto tokenizer = Tokenizer::from_gguf(*file);
            EXPECT_EQ(tokenizer->vocab_size(), 267);
            EXPECT_EQ(tokenizer->encode(prompt.text, true, true), expected)
                << prompt.name << " with " << entry.path().filename();
        }
        EXPECT_EQ(models_checked, 11);
    }
}

}  // namespace
}  // namespace moe
