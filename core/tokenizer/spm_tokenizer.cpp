#include "tokenizer/spm_tokenizer.h"

#include <algorithm>
#include <cstdio>
#include <queue>

#include "gguf/gguf_file.h"
#include "tokenizer/utf8.h"

namespace moe {

namespace {

constexpr std::string_view kEscapedSpace = "\xE2\x96\x81";  // U+2581 '▁'

std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
    std::string out;
    out.reserve(text.size());
    size_t done = 0;
    for (size_t at = text.find(from); at != std::string_view::npos; at = text.find(from, done)) {
        out.append(text.substr(done, at - done)).append(to);
        done = at + from.size();
    }
    out.append(text.substr(done));
    return out;
}

// "<0x0A>" -> 0x0A; -1 if `text` is not a byte token's text.
int parse_byte_token(std::string_view text) {
    if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return -1;
    int value = 0;
    for (char c : text.substr(3, 2)) {
        int digit;
        if (c >= '0' && c <= '9') digit = c - '0';
        else if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
        else if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
        else return -1;
        value = value * 16 + digit;
    }
    return value;
}

}  // namespace

SpmTokenizer::SpmTokenizer(const gguf::GgufFile& file) {
    model_ = "llama";
    pre_ = file.get_string("tokenizer.ggml.pre").value_or("default");
    load_vocabulary(file, SpecialDefaults{.bos_id = 1, .eos_id = 2, .add_bos = true});

    scores_ = file.get_float_array("tokenizer.ggml.scores");
    if (scores_.empty()) scores_.assign(pieces_.size(), 0.0f);
    if (scores_.size() != pieces_.size()) {
        throw TokenizerError(file.path() + ": tokenizer.ggml.scores has " + std::to_string(scores_.size()) +
                             " entries for " + std::to_string(pieces_.size()) + " tokens");
    }
    const std::optional<int64_t> unknown = file.get_int("tokenizer.ggml.unknown_token_id");
    if (unknown && *unknown >= 0 && *unknown < vocab_size()) unknown_id_ = static_cast<int32_t>(*unknown);
    add_space_prefix_ = file.get_bool("tokenizer.ggml.add_space_prefix").value_or(true);
    strip_leading_space_ = add_space_prefix_;

    for (int b = 0; b < 256; ++b) {
        char text[8];
        std::snprintf(text, sizeof text, "<0x%02X>", b);
        byte_tokens_[b] = find_token(text);
        if (byte_tokens_[b] < 0) byte_tokens_[b] = find_token(std::string(1, static_cast<char>(b)));
    }
}

std::vector<int32_t> SpmTokenizer::encode(std::string_view text, bool add_special, bool parse_special) const {
    std::vector<int32_t> ids;
    if (add_special && add_bos_) ids.push_back(bos_id_);
    bool after_special = true;  // the text start counts as "after a special token"
    for (const Fragment& fragment : partition_special(text, parse_special)) {
        if (fragment.token >= 0) {
            ids.push_back(fragment.token);
            after_special = true;
            continue;
        }
        std::string spaced(add_space_prefix_ && after_special ? " " : "");
        spaced.append(fragment.text);
        encode_fragment(replace_all(spaced, " ", kEscapedSpace), ids);
        after_special = false;
    }
    if (add_special && add_eos_) ids.push_back(eos_id_);
    return ids;
}

void SpmTokenizer::encode_fragment(std::string_view text, std::vector<int32_t>& out) const {
    // One symbol per UTF-8 character; merged symbols grow in place and the right one empties.
    struct Symbol {
        size_t start, length;
        int32_t prev, next;
    };
    std::vector<Symbol> symbols;
    for (size_t pos = 0; pos < text.size();) {
        const size_t length = std::min(utf8::sequence_length(static_cast<uint8_t>(text[pos])), text.size() - pos);
        const auto index = static_cast<int32_t>(symbols.size());
        symbols.push_back({pos, length, index - 1, pos + length < text.size() ? index + 1 : -1});
        pos += length;
    }

    struct Candidate {
        float score;
        int32_t left, right;
        size_t length;  // bytes of the merged text, to detect stale candidates
    };
    // Highest score first; ties go to the leftmost pair.
    const auto lower = [](const Candidate& a, const Candidate& b) {
        return a.score < b.score || (a.score == b.score && a.left > b.left);
    };
    std::priority_queue<Candidate, std::vector<Candidate>, decltype(lower)> queue(lower);
    const auto consider = [&](int32_t left, int32_t right) {
        if (left < 0 || right < 0) return;
        const Symbol& l = symbols[left];
        const size_t length = l.length + symbols[right].length;
        const int32_t id = find_token(text.substr(l.start, length));
        if (id >= 0) queue.push({scores_[id], left, right, length});
    };
    for (int32_t i = 1; i < static_cast<int32_t>(symbols.size()); ++i) consider(i - 1, i);

    while (!queue.empty()) {
        const Candidate merge = queue.top();
        queue.pop();
        Symbol& left = symbols[merge.left];
        Symbol& right = symbols[merge.right];
        if (left.length == 0 || right.length == 0 || left.length + right.length != merge.length) continue;
        left.length += right.length;
        right.length = 0;
        left.next = right.next;
        if (right.next >= 0) symbols[right.next].prev = merge.left;
        consider(left.prev, merge.left);
        consider(merge.left, left.next);
    }

    for (int32_t i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[i].next) {
        const std::string_view piece = text.substr(symbols[i].start, symbols[i].length);
        if (const int32_t id = find_token(piece); id >= 0) {
            out.push_back(id);
            continue;
        }
        // Only single characters can miss the vocabulary (merges always form tokens).
        for (char c : piece) {
            const int32_t byte_id = byte_tokens_[static_cast<uint8_t>(c)];
            out.push_back(byte_id >= 0 ? byte_id : unknown_id_);
        }
    }
}

std::string SpmTokenizer::token_bytes(int32_t id) const {
    const std::string& text = pieces_.at(id);
    switch (types_[id]) {
        case TokenType::Normal:
            return replace_all(text, kEscapedSpace, " ");
        case TokenType::Byte:
            if (const int byte = parse_byte_token(text); byte >= 0) return std::string(1, static_cast<char>(byte));
            return text;
        default:
            return text;
    }
}

}  // namespace moe
