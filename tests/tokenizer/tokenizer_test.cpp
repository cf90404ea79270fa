// Tokenizer behaviour beyond plain encoding: special tokens, BOS/EOS, end of generation,
// token bytes, streaming, and the errors for vocabularies we must not guess at.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "support/test_support.h"
#include "tokenizer/tokenizer.h"

namespace moe {
namespace {

using gguf::GgufFile;
using gguf::GgufWriter;
using gguf::Value;

// A vocabulary-only GGUF built in memory; the bytes must outlive the parsed file.
struct InMemoryVocab {
    std::vector<uint8_t> bytes;
    std::unique_ptr<GgufFile> file;

    explicit InMemoryVocab(const GgufWriter& writer) : bytes(writer.to_bytes()) {
        file = GgufFile::parse(bytes.data(), bytes.size(), "in-memory vocab");
    }
};

// Tiny byte-level BPE: a, b, c, space (Ġ) and a few merges.
GgufWriter tiny_bpe_writer(const std::string& pre) {
    GgufWriter writer;
    writer.set("tokenizer.ggml.model", Value::str("gpt2"));
    writer.set("tokenizer.ggml.pre", Value::str(pre));
    writer.set("tokenizer.ggml.tokens",
               Value::string_array({"a", "b", "c", "\xC4\xA0", "bc", "ab", "abc", "\xC4\xA0" "a", "<|end|>"}));
    writer.set("tokenizer.ggml.token_type", Value::i32_array({1, 1, 1, 1, 1, 1, 1, 1, 3}));
    writer.set("tokenizer.ggml.merges", Value::string_array({"b c", "a b", "\xC4\xA0 a"}));
    writer.set("tokenizer.ggml.eos_token_id", Value::u32(8));
    return writer;
}
enum TinyBpe : int32_t { kA, kB, kC, kSpace, kBC, kAB, kABC, kSpaceA, kEnd };

std::string tokenizer_error_message(const std::function<void()>& action) {
    try {
        action();
    } catch (const TokenizerError& e) {
        return e.what();
    }
    return "(no TokenizerError)";
}

TEST(TinyBpe, MergesByRankThenEmitsTokens) {
    InMemoryVocab vocab(tiny_bpe_writer("gpt-2"));
    const auto tokenizer = Tokenizer::from_gguf(*vocab.file);
    EXPECT_EQ(tokenizer->model_name(), "gpt2");
    EXPECT_EQ(tokenizer->pre_name(), "gpt-2");
    // "b c" (rank 0) beats "a b" (rank 1); no merge joins a + bc.
    EXPECT_EQ(tokenizer->encode("abc", false, false), (std::vector<int32_t>{kA, kBC}));
    EXPECT_EQ(tokenizer->encode("ab a", false, false), (std::vector<int32_t>{kAB, kSpaceA}));
    EXPECT_EQ(tokenizer->token_bytes(kSpaceA), " a");
    EXPECT_EQ(tokenizer->decode({kAB, kSpaceA}), "ab a");
    // BPE files add no BOS unless they say so; EOS comes from the file.
    EXPECT_FALSE(tokenizer->add_bos());
    EXPECT_EQ(tokenizer->bos_id(), -1);
    EXPECT_TRUE(tokenizer->is_end_of_generation(kEnd));  // eos_token_id and the <|end|> text
    EXPECT_FALSE(tokenizer->is_end_of_generation(kA));
}

TEST(TinyBpe, IgnoreMergesTakesWholeWordsForLlama3) {
    InMemoryVocab vocab(tiny_bpe_writer("llama-bpe"));
    // llama-bpe without add_bos_token defaults to adding a BOS, so the file must name one.
    EXPECT_NE(tokenizer_error_message([&] { Tokenizer::from_gguf(*vocab.file); }).find("bos_token_id"), std::string::npos);

    GgufWriter writer = tiny_bpe_writer("llama-bpe");
    writer.set("tokenizer.ggml.bos_token_id", Value::u32(kEnd));
    InMemoryVocab with_bos(writer);
    const auto tokenizer = Tokenizer::from_gguf(*with_bos.file);
    EXPECT_EQ(tokenizer->encode("abc", false, false), (std::vector<int32_t>{kABC}));
    EXPECT_EQ(tokenizer->encode("abc", true, false), (std::vector<int32_t>{kEnd, kABC}));
}

TEST(TinyBpe, UnknownPreTokenizerIsAnErrorNamingIt) {
    InMemoryVocab vocab(tiny_bpe_writer("no-such-pre"));
    const std::string message = tokenizer_error_message([&] { Tokenizer::from_gguf(*vocab.file); });
    EXPECT_NE(message.find("'no-such-pre'"), std::string::npos) << message;
    EXPECT_NE(message.find("tokenizer.ggml.pre"), std::string::npos) << message;
}

TEST(TinyBpe, UnknownModelAndMissingVocabularyAreErrors) {
    GgufWriter bert = tiny_bpe_writer("gpt-2");
    bert.set("tokenizer.ggml.model", Value::str("bert"));
    InMemoryVocab bert_vocab(bert);
    EXPECT_NE(tokenizer_error_message([&] { Tokenizer::from_gguf(*bert_vocab.file); }).find("'bert'"), std::string::npos);

    GgufWriter empty;
    empty.set("tokenizer.ggml.model", Value::str("gpt2"));
    empty.set("tokenizer.ggml.pre", Value::str("gpt-2"));
    InMemoryVocab empty_vocab(empty);
    EXPECT_NE(tokenizer_error_message([&] { Tokenizer::from_gguf(*empty_vocab.file); }).find("tokenizer.ggml.tokens"),
              std::string::npos);

    GgufWriter no_model;
    InMemoryVocab no_model_vocab(no_model);
    EXPECT_THROW(Tokenizer::from_gguf(*no_model_vocab.file), TokenizerError);
}

// Tiny SentencePiece vocabulary: <unk> <s> </s>, 256 byte tokens, then a few pieces.
TEST(TinySpm, ScoresPickTheMergeAndBytesFallBack) {
    std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
    std::vector<int32_t> types = {2, 3, 3};
    std::vector<float> scores = {0, 0, 0};
    for (int b = 0; b < 256; ++b) {
        char text[8];
        std::snprintf(text, sizeof text, "<0x%02X>", b);
        tokens.push_back(text);
        types.push_back(6);
        scores.push_back(0);
    }
    const int32_t first_piece = static_cast<int32_t>(tokens.size());
    for (auto [text, score] : {std::pair{"\xE2\x96\x81", -3.0f}, {"a", -2.0f}, {"b", -2.0f},
                               {"\xE2\x96\x81" "a", -1.0f}, {"ab", -0.5f}}) {
        tokens.push_back(text);
        types.push_back(1);
        scores.push_back(score);
    }
    const int32_t space = first_piece, a = first_piece + 1, b = first_piece + 2, space_a = first_piece + 3,
                  ab = first_piece + 4;
    GgufWriter writer;
    writer.set("tokenizer.ggml.model", Value::str("llama"));
    writer.set("tokenizer.ggml.tokens", Value::string_array(tokens));
    writer.set("tokenizer.ggml.token_type", Value::i32_array(types));
    writer.set("tokenizer.ggml.scores", Value::f32_array(scores));
    InMemoryVocab vocab(writer);
    const auto tokenizer = Tokenizer::from_gguf(*vocab.file);

    // SPM defaults when the file is silent: BOS 1 added, EOS 2 not, a space prefix.
    EXPECT_EQ(tokenizer->bos_id(), 1);
    EXPECT_EQ(tokenizer->eos_id(), 2);
    EXPECT_TRUE(tokenizer->add_bos());
    EXPECT_FALSE(tokenizer->add_eos());
    // "▁ab": "ab" (-0.5) outscores "▁a" (-1.0).
    EXPECT_EQ(tokenizer->encode("ab", false, false), (std::vector<int32_t>{space, ab}));
    // "é" is not a piece: its UTF-8 bytes C3 A9 become <0xC3> <0xA9> (ids 3 + byte).
    EXPECT_EQ(tokenizer->encode("a\xC3\xA9", true, false), (std::vector<int32_t>{1, space_a, 3 + 0xC3, 3 + 0xA9}));
    EXPECT_EQ(tokenizer->token_bytes(3 + 0xC3), "\xC3");
    EXPECT_EQ(tokenizer->token_bytes(space_a), " a");
    EXPECT_EQ(tokenizer->decode({space_a, 3 + 0xC3, 3 + 0xA9}), "a\xC3\xA9");  // prefix space dropped
    // After a special token the fragment gets its own space prefix.
    EXPECT_EQ(tokenizer->encode("a</s>b", false, true), (std::vector<int32_t>{space_a, 2, space, b}));
    EXPECT_EQ(tokenizer->encode("b", false, false), (std::vector<int32_t>{space, b}));
    EXPECT_EQ(tokenizer->encode("ba", false, false), (std::vector<int32_t>{space, b, a}));  // no "ba" piece
    EXPECT_EQ(tokenizer->decode({1, space, b}), "<s>b");
}

struct FixtureVocab {
    std::unique_ptr<GgufFile> file;
    std::unique_ptr<Tokenizer> tokenizer;
};

FixtureVocab open_vocab(const std::string& dir, const std::string& name) {
    FixtureVocab vocab;
    vocab.file = GgufFile::open(dir + "/tokenizer/ggml-vocab-" + name + ".gguf");
    vocab.tokenizer = Tokenizer::from_gguf(*vocab.file);
    return vocab;
}

TEST(Qwen2Vocab, ControlTokensOnlyWhenParsingSpecials) {
    MOE_REQUIRE_CONFORMANCE(dir);
    const auto vocab = open_vocab(dir, "qwen2");
    const Tokenizer& tok = *vocab.tokenizer;
    const std::vector<int32_t> user = tok.encode("user", false, false);
    ASSERT_EQ(user.size(), 1u);

    EXPECT_EQ(tok.encode("<|im_start|>user", false, true), (std::vector<int32_t>{151644, user[0]}));
    const std::vector<int32_t> literal = tok.encode("<|im_start|>user", false, false);
    EXPECT_GT(literal.size(), 2u);
    EXPECT_EQ(std::count(literal.begin(), literal.end(), 151644), 0);
    EXPECT_EQ(tok.decode(literal), "<|im_start|>user");
    // USER_DEFINED tokens always match.
    EXPECT_EQ(tok.encode("<think>", false, false), (std::vector<int32_t>{151667}));
}

TEST(Qwen2Vocab, NoBosEndOfTurnAndTokenBytes) {
    MOE_REQUIRE_CONFORMANCE(dir);
    const auto vocab = open_vocab(dir, "qwen2");
    const Tokenizer& tok = *vocab.tokenizer;
    EXPECT_EQ(tok.pre_name(), "qwen2");
    EXPECT_FALSE(tok.add_bos());
    EXPECT_EQ(tok.encode("Hello", true, false), tok.encode("Hello", false, false));
    EXPECT_EQ(tok.eos_id(), 151645);
    EXPECT_TRUE(tok.is_end_of_generation(151645));  // <|im_end|>
    EXPECT_TRUE(tok.is_end_of_generation(151643));  // <|endoftext|>
    EXPECT_FALSE(tok.is_end_of_generation(151644));  // <|im_start|>
    EXPECT_EQ(tok.token_type(151645), TokenType::Control);
    EXPECT_EQ(tok.token_bytes(151645), "<|im_end|>");
    EXPECT_EQ(tok.piece(220), "\xC4\xA0");  // "Ġ"
    EXPECT_EQ(tok.token_bytes(220), " ");
    // Invalid UTF-8 input is tokenized as U+FFFD, as llama.cpp does.
    EXPECT_EQ(tok.decode(tok.encode("a\xFF" "b", false, false)), "a\xEF\xBF\xBD" "b");
}

TEST(DeepseekLlmVocab, AddsBosFromMetadata) {
    MOE_REQUIRE_CONFORMANCE(dir);
    const auto vocab = open_vocab(dir, "deepseek-llm");
    const Tokenizer& tok = *vocab.tokenizer;
    EXPECT_TRUE(tok.add_bos());
    const std::vector<int32_t> ids = tok.encode("Hello world", true, false);
    ASSERT_FALSE(ids.empty());
    EXPECT_EQ(ids.front(), 100000);
    EXPECT_EQ(std::vector<int32_t>(ids.begin() + 1, ids.end()), tok.encode("Hello world", false, false));
    EXPECT_TRUE(tok.is_end_of_generation(100001));  // <｜end▁of▁sentence｜>
    EXPECT_EQ(tok.token_bytes(100000), "<\xEF\xBD\x9C" "begin\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>");
}

TEST(LlamaBpeVocab, BosByPreTokenizerDefaultAndEotId) {
    MOE_REQUIRE_CONFORMANCE(dir);
    const auto vocab = open_vocab(dir, "llama-bpe");
    const Tokenizer& tok = *vocab.tokenizer;
    EXPECT_TRUE(tok.add_bos());  // the file has no add_bos_token: llama3 pre-tokenizers default to true
    EXPECT_EQ(tok.encode("Hello", true, false).front(), 128000);
    EXPECT_TRUE(tok.is_end_of_generation(128001));  // <|end_of_text|>
    EXPECT_TRUE(tok.is_end_of_generation(128009));  // <|eot_id|>
    EXPECT_FALSE(tok.is_end_of_generation(128006));  // <|start_header_id|>
}

TEST(LlamaSpmVocab, BosByteTokensAndLeadingSpace) {
    MOE_REQUIRE_CONFORMANCE(dir);
    const auto vocab = open_vocab(dir, "llama-spm");
    const Tokenizer& tok = *vocab.tokenizer;
    EXPECT_EQ(tok.model_name(), "llama");
    const std::vector<int32_t> ids = tok.encode("Hello", true, false);
    ASSERT_GE(ids.size(), 2u);
    EXPECT_EQ(ids.front(), 1);
    EXPECT_EQ(tok.piece(ids[1]), "\xE2\x96\x81Hello");  // "▁Hello"
    EXPECT_EQ(tok.token_bytes(ids[1]), " Hello");
    EXPECT_EQ(tok.decode(ids), "<s>Hello");
    EXPECT_EQ(tok.token_type(3 + '\n'), TokenType::Byte);
    EXPECT_EQ(tok.token_bytes(3 + '\n'), "\n");  // <0x0A>
    EXPECT_TRUE(tok.is_end_of_generation(2));
}

// fuzz_tokenizer finding crash-12ddfcfe ("<unk>" then text, parsing specials): as in llama.cpp,
// the text after a special token gets its own SPM space prefix and the decoder drops only the
// first one, so decode(encode(x)) != x there by design; the fuzzer now decodes run by run.
TEST(LlamaSpmVocab, FuzzCrash12ddfcfeTextAfterUnkKeepsItsSpacePrefix) {
    MOE_REQUIRE_CONFORMANCE(dir);
    const auto vocab = open_vocab(dir, "llama-spm");
    const Tokenizer& tok = *vocab.tokenizer;
    ASSERT_EQ(tok.piece(263), "\xE2\x96\x81" "a");  // "▁a"
    EXPECT_EQ(tok.token_type(0), TokenType::Unknown);  // "<unk>"
    const std::vector<int32_t> ids = tok.encode("<unk>a", false, true);
    EXPECT_EQ(ids, (std::vector<int32_t>{0, 263}));
    EXPECT_EQ(tok.decode(ids), "<unk> a");
    EXPECT_EQ(tok.decode({263}), "a");  // the text run alone drops its prefix space
}

// fuzz_tokenizer finding crash-a31b2e01 (U+71C71, bytes F1 B1 B1 B1, through refact): the
// vocabulary has no token for byte 0xF1 (byte-level "ñ"), so that byte is dropped as llama.cpp
// drops it; the fuzzer now checks the round trip only on bytes the vocabulary spells.
TEST(RefactVocab, FuzzCrashA31b2e01ByteWithoutATokenIsDropped) {
    MOE_REQUIRE_CONFORMANCE(dir);
    const auto vocab = open_vocab(dir, "refact");
    const Tokenizer& tok = *vocab.tokenizer;
    for (int32_t id = 0; id < tok.vocab_size(); ++id) ASSERT_NE(tok.piece(id), "\xC3\xB1") << id;
    ASSERT_EQ(tok.piece(128), "\xC2\xB1");  // byte-level "±" is byte 0xB1
    EXPECT_EQ(tok.encode("\xF1\xB1\xB1\xB1", false, false), (std::vector<int32_t>{128, 128, 128}));
}

// The conformance models' 267-token vocabulary has one token per byte (id = byte value), so
// every CJK character arrives split over three tokens.
TEST(StreamingDecoder, HoldsBackSplitCharacters) {
    MOE_REQUIRE_CONFORMANCE(dir);
    const auto file = GgufFile::open(dir + "/models/deepseek2-f32.gguf");
    const auto tokenizer = Tokenizer::from_gguf(*file);
    const std::string text = "\xE6\x88\x91\xE6\x83\xB3 apple \xE5\xB7\xA5\xE4\xBD\x9C";  // "我想 apple 工作"
    const std::vector<int32_t> ids = tokenizer->encode(text, false, false);
    EXPECT_EQ(std::vector<int32_t>(ids.begin(), ids.begin() + 3), (std::vector<int32_t>{0xE6, 0x88, 0x91}));

    StreamingDecoder stream(*tokenizer);
    EXPECT_EQ(stream.push(ids[0]), "");
    EXPECT_EQ(stream.push(ids[1]), "");
    EXPECT_EQ(stream.push(ids[2]), "\xE6\x88\x91");
    std::string rest;
    for (size_t i = 3; i < ids.size(); ++i) rest += stream.push(ids[i]);
    EXPECT_EQ(rest + stream.flush(), text.substr(3));
}

TEST(StreamingDecoder, ReplacesInvalidBytes) {
    MOE_REQUIRE_CONFORMANCE(dir);
    const auto file = GgufFile::open(dir + "/models/deepseek2-f32.gguf");
    const auto tokenizer = Tokenizer::from_gguf(*file);
    StreamingDecoder stream(*tokenizer);
    EXPECT_EQ(stream.push(0xFF), "\xEF\xBF\xBD");  // can never start a character
    EXPECT_EQ(stream.push(0xE6), "");
    EXPECT_EQ(stream.push('a'), "\xEF\xBF\xBD" "a");  // the E6 sequence broke off
    EXPECT_EQ(stream.push(0xE6), "");
    EXPECT_EQ(stream.push(0x88), "");
    EXPECT_EQ(stream.flush(), "\xEF\xBF\xBD");  // a truncated character at the end
    EXPECT_EQ(stream.flush(), "");
    EXPECT_EQ(tokenizer->decode({0xE6, 0x88, 'a'}), "\xEF\xBF\xBD" "a");
    EXPECT_EQ(tokenizer->token_bytes(264), "<|bos|>");
}

}  // namespace
}  // namespace moe
