// SentencePiece-style BPE (`tokenizer.ggml.model = llama`, reference §5.4): score-driven merges
// over UTF-8 characters with `<0xXX>` byte fallback.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace moe {

class SpmTokenizer final : public Tokenizer {
public:
    explicit SpmTokenizer(const gguf::GgufFile& file);

    std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special) const override;
    std::string token_bytes(int32_t id) const override;

private:
    // Appends the ids of one raw fragment whose spaces are already escaped as U+2581.
    void encode_fragment(std::string_view text, std::vector<int32_t>& out) const;

    std::vector<float> scores_;               // merge priority of each token (higher merges first)
    std::array<int32_t, 256> byte_tokens_{};  // <0xXX> token of each byte, or -1
    int32_t unknown_id_ = 0;
    bool add_space_prefix_ = true;
};

}  // namespace moe
