#include "tokenizer/pre_tokenizers.h"

#include <unordered_map>

namespace moe {

namespace {

// The regexes are llama.cpp's (llm_tokenizer_bpe), which reproduce the Hugging Face
// pre-tokenizers; literal characters are UTF-8 and PCRE2 runs in UTF mode.

// GPT-2's word pattern, shared by several cascades.
constexpr std::string_view kGpt2Words = R"RX('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))RX";
// Runs of CJK ideographs (U+4E00-U+9FA5), U+0800-U+4E00 and Hangul (U+AC00-U+D7FF).
constexpr std::string_view kCjkRun = R"RX([一-龥ࠀ-一가-퟿]+)RX";
constexpr std::string_view kNewline = R"RX([\r\n])RX";

// Block A: DeepSeek-LLM, V2, V2-Lite. The letter class lists cased letters literally, except six
// code points that Unicode normalization (NFC) would silently replace, e.g. U+212A KELVIN SIGN -> 'K',
// which turns a range into nonsense; those are escaped as \x{...}.
constexpr std::string_view kDeepseekLlm[] = {
    kNewline,
    R"RX(\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-\x{1F7D}ᾀ-ᾴᾶ-ᾼ\x{1FBE}ῂ-ῄῆ-ῌῐ-\x{1FD3}ῖ-\x{1FDB}ῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\x{2126}ℨ\x{212A}-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+)RX",
    R"RX(\s?[!-/:-~！-／：-～‘-‟　-。]+)RX",
    R"RX(\s+$)RX",
    kCjkRun,
    R"RX(\p{N}+)RX",
};

// Block B: DeepSeek-V3, R1.
constexpr std::string_view kDeepseekV3[] = {
    R"RX(\p{N}{1,3})RX",
    R"RX([一-龥぀-ゟ゠-ヿ]+)RX",
    R"RX([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)RX",
};

// DeepSeek-Coder (LLAMA_VOCAB_PRE_TYPE_DEEPSEEK_CODER).
constexpr std::string_view kDeepseekCoder[] = {
    kNewline,
    R"RX(\s?\p{L}+)RX",
    R"RX(\s?\p{P}+)RX",
    kCjkRun,
    R"RX(\p{N})RX",
};

// Block C: Qwen1.5/2/2.5/3 (single digits); llama.cpp spells HF's (?i:'s|...) as bracket pairs.
constexpr std::string_view kQwen2[] = {
    R"RX((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)RX",
};

// Block C with digit runs of up to three: Llama-3.
constexpr std::string_view kLlama3[] = {
    R"RX((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)RX",
};

// Ling / Ling-mini-2.0 (LLAMA_VOCAB_PRE_TYPE_BAILINGMOE): Block C with single digits and a
// single newline per piece; Hugging Face's possessive quantifiers made greedy, as llama.cpp does.
constexpr std::string_view kBailingMoe[] = {
    R"RX('(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+)RX",
};

// Block D: GPT-2, OLMo, MPT, Phi-2.
constexpr std::string_view kGpt2[] = {kGpt2Words};

// Refact, StarCoder (LLAMA_VOCAB_PRE_TYPE_REFACT): single digits, then GPT-2's words.
constexpr std::string_view kRefact[] = {R"RX(\p{N})RX", kGpt2Words};

// Block E: o200k (gpt-oss) in its original Hugging Face form; PCRE2 has the real Lu/Ll classes.
constexpr std::string_view kGpt4o[] = {
    R"RX([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)RX",
};

// Block F: `default`.
constexpr std::string_view kDefault[] = {
    R"RX([\p{P}\$\+<=>\^~\|]+)RX",
    kGpt2Words,
    R"RX(\p{N}+)RX",
    R"RX([0-9][0-9][0-9])RX",
};

}  // namespace

const PreTokenizerSpec* find_pre_tokenizer(std::string_view pre) {
    static const PreTokenizerSpec deepseek_llm{kDeepseekLlm};
    static const PreTokenizerSpec deepseek_v3{kDeepseekV3};
    static const PreTokenizerSpec deepseek_coder{kDeepseekCoder};
    static const PreTokenizerSpec qwen2{kQwen2};
    static const PreTokenizerSpec llama3{kLlama3, /*ignore_merges=*/true, /*add_bos=*/true};
    static const PreTokenizerSpec glm4{kLlama3};  // Llama-3's pieces, but every piece is merged
    static const PreTokenizerSpec bailingmoe{kBailingMoe};
    static const PreTokenizerSpec gpt2{kGpt2};
    static const PreTokenizerSpec refact{kRefact};
    static const PreTokenizerSpec gpt4o{kGpt4o};
    static const PreTokenizerSpec fallback{kDefault};
    static const std::unordered_map<std::string_view, const PreTokenizerSpec*> by_name = {
        {"default", &fallback},
        {"deepseek-llm", &deepseek_llm},
        {"deepseek-v3", &deepseek_v3},
        {"deepseek-coder", &deepseek_coder},
        {"qwen2", &qwen2}, {"deepseek-r1-qwen", &qwen2}, {"megrez", &qwen2}, {"stablelm2", &qwen2},
        {"llama3", &llama3}, {"llama-v3", &llama3}, {"llama-bpe", &llama3},
        {"gpt-2", &gpt2}, {"phi-2", &gpt2}, {"mpt", &gpt2}, {"olmo", &gpt2},
        {"refact", &refact}, {"starcoder", &refact},
        {"gpt-4o", &gpt4o}, {"llama4", &gpt4o},
        {"glm4", &glm4}, {"chatglm-bpe", &glm4},
        {"bailingmoe", &bailingmoe}, {"bailingmoe2", &bailingmoe}, {"llada-moe", &bailingmoe},
    };
    if (pre.empty()) return &fallback;
    const auto it = by_name.find(pre);
    return it == by_name.end() ? nullptr : it->second;
}

}  // namespace moe
