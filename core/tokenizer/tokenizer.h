// Tokenizers rebuilt from GGUF metadata (reference §5): byte-level BPE (`gpt2`) with the
// pre-tokenizer named by `tokenizer.ggml.pre`, and SentencePiece-style (`llama`) with byte fallback.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace moe {

namespace gguf {
class GgufFile;
}

class TokenizerError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class TokenType : int32_t {
    Undefined = 0, Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6,
};

class Tokenizer {
public:
    // Throws TokenizerError for a missing vocabulary, an unknown `tokenizer.ggml.model` or an
    // unknown `tokenizer.ggml.pre` (never silently falls back to another regex).
    static std::unique_ptr<Tokenizer> from_gguf(const gguf::GgufFile& file);
    virtual ~Tokenizer() = default;
    Tokenizer(const Tokenizer&) = delete;  // token_ids_ points into pieces_
    Tokenizer& operator=(const Tokenizer&) = delete;

    // add_special: BOS/EOS as the file's add_bos_token/add_eos_token say.
    // parse_special: match CONTROL/UNKNOWN token texts in `text` (USER_DEFINED always match).
    virtual std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special) const = 0;

    int32_t vocab_size() const { return static_cast<int32_t>(pieces_.size()); }
    const std::string& piece(int32_t id) const { return pieces_.at(id); }  // as stored in the vocab
    // As stored, except llama.cpp's fix-ups: end-of-turn texts such as <|im_end|> become CONTROL.
    TokenType token_type(int32_t id) const { return types_.at(id); }
    // The raw bytes this token stands for (may be an incomplete UTF-8 sequence). CONTROL tokens
    // render as their text (e.g. "<|bos|>") so traces can show them.
    virtual std::string token_bytes(int32_t id) const = 0;
    // Decodes a whole sequence to UTF-8: the concatenated token_bytes (so CONTROL tokens appear
    // as their text). SPM with add_space_prefix: drops one leading space of the first text
    // token at the start of the sequence or right after a leading BOS.
    std::string decode(const std::vector<int32_t>& ids) const;

    int32_t bos_id() const { return bos_id_; }  // -1 if none
    int32_t eos_id() const { return eos_id_; }  // -1 if none
    bool add_bos() const { return add_bos_; }
    bool add_eos() const { return add_eos_; }
    bool is_end_of_generation(int32_t id) const;  // EOS, EOT, EOM and promoted end-of-turn tokens
    const std::string& model_name() const { return model_; }  // "gpt2" / "llama"
    const std::string& pre_name() const { return pre_; }

protected:
    Tokenizer() = default;

    // What llama.cpp assumes when the file has no key for it.
    struct SpecialDefaults {
        int32_t bos_id = -1, eos_id = -1;
        bool add_bos = false;
    };
    // Reads tokens, types, special ids, add_bos/add_eos and the end-of-generation set;
    // builds the text -> id index and the special-token list (reference §5.1, §5.5).
    void load_vocabulary(const gguf::GgufFile& file, const SpecialDefaults& defaults);

    int32_t find_token(std::string_view text) const;  // -1 if no token has this text

    // A piece of the input after the special-token partition: a token id, or raw text (token < 0).
    struct Fragment {
        int32_t token = -1;
        std::string_view text;
    };
    std::vector<Fragment> partition_special(std::string_view text, bool parse_special) const;

    std::string model_, pre_;
    std::vector<std::string> pieces_;
    std::vector<TokenType> types_;
    std::vector<int32_t> end_of_generation_;  // sorted
    int32_t bos_id_ = -1, eos_id_ = -1;
    bool add_bos_ = false, add_eos_ = false;
    bool strip_leading_space_ = false;  // SPM add_space_prefix, undone when decoding
    std::unordered_map<std::string_view, int32_t> token_ids_;  // views into pieces_; last id wins
    std::vector<int32_t> special_tokens_;  // CONTROL / USER_DEFINED / UNKNOWN, longest text first

private:
    friend class StreamingDecoder;
    // token_bytes(id), minus the SPM prefix space when `at_start`; any token but BOS clears `at_start`.
    std::string bytes_in_sequence(int32_t id, bool& at_start) const;
};

// Turns a stream of token ids into UTF-8 text, holding back bytes of a character that is
// split across tokens until it is complete.
class StreamingDecoder {
public:
    // at_sequence_start: the ids begin the text (SentencePiece drops the leading space of the
    // first token); false when they continue a prompt, whose space belongs to the output.
    explicit StreamingDecoder(const Tokenizer& tokenizer, bool at_sequence_start = true)
        : tokenizer_(tokenizer), first_(at_sequence_start) {}
    // Text that became complete with this token; bytes that can never form a character
    // come out as U+FFFD right away. The concatenated output equals decode() of all ids.
    std::string push(int32_t id);
    std::string flush();  // whatever is left, invalid bytes replaced by U+FFFD

private:
    const Tokenizer& tokenizer_;
    std::string pending_;  // the start of a character split across tokens
    bool first_;           // no text token seen yet (see Tokenizer::decode)
};

}  // namespace moe
