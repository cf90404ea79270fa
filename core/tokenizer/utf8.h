// Strict UTF-8 scanning shared by the tokenizers and the streaming decoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace moe::utf8 {

inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

enum class Status { Valid, Incomplete, Invalid };

struct CharScan {
    Status status;
    size_t length;  // Valid: bytes of the character; Invalid: bytes to replace by one U+FFFD;
                    // Incomplete: bytes present so far (all of the rest of the input)
};

// Classifies the character starting at `pos` (< text.size()). Rejects overlong forms,
// surrogates and code points above U+10FFFF. "Incomplete" means the input ends inside a
// sequence that could still become valid.
CharScan scan_char(std::string_view text, size_t pos);

// Byte length a lead byte announces (1 for ASCII and for bytes that cannot start a character).
size_t sequence_length(uint8_t lead);

bool is_valid(std::string_view text);

// Copy of `text` where every invalid or truncated sequence becomes U+FFFD.
std::string sanitize(std::string_view text);

void append_code_point(std::string& out, uint32_t cp);

// Decodes the valid character at `pos` and advances `pos` past it.
uint32_t next_code_point(std::string_view text, size_t& pos);

}  // namespace moe::utf8
