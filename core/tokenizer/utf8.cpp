#include "tokenizer/utf8.h"

namespace moe::utf8 {

namespace {

bool is_continuation(uint8_t b) { return (b & 0xC0) == 0x80; }

}  // namespace

size_t sequence_length(uint8_t lead) {
    if (lead >= 0xC2 && lead <= 0xDF) return 2;
    if (lead >= 0xE0 && lead <= 0xEF) return 3;
    if (lead >= 0xF0 && lead <= 0xF4) return 4;
    return 1;
}

CharScan scan_char(std::string_view text, size_t pos) {
    const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
    const uint8_t lead = byte(pos);
    if (lead < 0x80) return {Status::Valid, 1};
    const size_t length = sequence_length(lead);
    if (length == 1) return {Status::Invalid, 1};  // stray continuation, C0/C1 or F5..FF

    // The second byte's range depends on the lead byte (excludes overlongs, surrogates, > U+10FFFF).
    uint8_t second_lo = 0x80, second_hi = 0xBF;
    if (lead == 0xE0) second_lo = 0xA0;
    if (lead == 0xED) second_hi = 0x9F;
    if (lead == 0xF0) second_lo = 0x90;
    if (lead == 0xF4) second_hi = 0x8F;

    for (size_t i = 1; i < length; ++i) {
        if (pos + i >= text.size()) return {Status::Incomplete, i};
        const uint8_t b = byte(pos + i);
        const bool ok = i == 1 ? (b >= second_lo && b <= second_hi) : is_continuation(b);
        if (!ok) return {Status::Invalid, i};
    }
    return {Status::Valid, length};
}

bool is_valid(std::string_view text) {
    for (size_t pos = 0; pos < text.size();) {
        const CharScan scan = scan_char(text, pos);
        if (scan.status != Status::Valid) return false;
        pos += scan.length;
    }
    return true;
}

std::string sanitize(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t pos = 0; pos < text.size();) {
        const CharScan scan = scan_char(text, pos);
        if (scan.status == Status::Valid) {
            out.append(text.substr(pos, scan.length));
        } else {
            out.append(kReplacementChar);
        }
        pos += scan.length;
    }
    return out;
}

void append_code_point(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

uint32_t next_code_point(std::string_view text, size_t& pos) {
    const auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(text[i])); };
    const uint32_t lead = byte(pos);
    const size_t length = sequence_length(static_cast<uint8_t>(lead));
    static constexpr uint32_t kLeadMask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    uint32_t cp = lead & kLeadMask[length];
    for (size_t i = 1; i < length && pos + i < text.size(); ++i) cp = (cp << 6) | (byte(pos + i) & 0x3F);
    pos += length;
    return cp;
}

}  // namespace moe::utf8
