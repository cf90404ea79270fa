// Which regex cascade and flags each `tokenizer.ggml.pre` value selects (reference §5.3).
#pragma once

#include <span>
#include <string_view>

namespace moe {

struct PreTokenizerSpec {
    std::span<const std::string_view> regexes;  // applied in order
    bool ignore_merges = false;  // a piece that is already a whole vocab entry skips the merges
    bool add_bos = false;        // llama.cpp's default when the file has no add_bos_token
};

// nullptr for a name we do not know: callers must fail loudly, never fall back (trap 26).
// A missing or empty name means `default`, as in files written before the key existed.
const PreTokenizerSpec* find_pre_tokenizer(std::string_view pre);

}  // namespace moe
