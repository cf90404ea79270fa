// Byte-level BPE (`tokenizer.ggml.model = gpt2`, reference §5.2).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/regex_splitter.h"
#include "tokenizer/tokenizer.h"

namespace moe {

class BpeTokenizer final : public Tokenizer {
public:
    // Throws TokenizerError for an unknown `tokenizer.ggml.pre` or missing merges.
    explicit BpeTokenizer(const gguf::GgufFile& file);

    std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special) const override;
    std::string token_bytes(int32_t id) const override;

private:
    // Appends the ids of one pre-tokenized piece (raw UTF-8 bytes).
    void encode_piece(std::string_view piece, std::vector<int32_t>& out) const;

    struct Merge {
        int32_t rank;    // index in tokenizer.ggml.merges: lower merges first
        int32_t result;  // id of the concatenated token
    };
    static uint64_t pair_key(int32_t left, int32_t right) {
        return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
    }

    std::unique_ptr<RegexSplitter> splitter_;
    bool ignore_merges_ = false;
    std::unordered_map<uint64_t, Merge> merges_;  // (left id, right id) -> merge
    std::array<int32_t, 256> byte_tokens_{};      // id of the one-character token of each byte, or -1
};

}  // namespace moe
