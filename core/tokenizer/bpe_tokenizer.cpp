#include "tokenizer/bpe_tokenizer.h"

#include <queue>

#include "gguf/gguf_file.h"
#include "tokenizer/pre_tokenizers.h"
#include "tokenizer/utf8.h"

namespace moe {

namespace {

// GPT-2's reversible byte -> code point map (reference §5.2 step 2): printable Latin-1 bytes
// map to themselves, the other 68 bytes in increasing order to U+0100..U+0143.
struct ByteMap {
    static constexpr uint32_t kLastCodePoint = 0x143;
    std::array<uint32_t, 256> code_point{};
    std::array<int16_t, kLastCodePoint + 1> byte{};  // -1 where no byte maps to the code point

    ByteMap() {
        byte.fill(-1);
        uint32_t next_unprintable = 0x100;
        for (uint32_t b = 0; b < 256; ++b) {
            const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
            code_point[b] = printable ? b : next_unprintable++;
            byte[code_point[b]] = static_cast<int16_t>(b);
        }
    }
};

const ByteMap& byte_map() {
    static const ByteMap map;
    return map;
}

std::string map_bytes(std::string_view raw) {
    std::string mapped;
    mapped.reserve(raw.size() * 2);
    for (char c : raw) utf8::append_code_point(mapped, byte_map().code_point[static_cast<uint8_t>(c)]);
    return mapped;
}

}  // namespace

BpeTokenizer::BpeTokenizer(const gguf::GgufFile& file) {
    model_ = "gpt2";
    pre_ = file.get_string("tokenizer.ggml.pre").value_or("");
    const PreTokenizerSpec* spec = find_pre_tokenizer(pre_);
    if (!spec) {
        throw TokenizerError(file.path() + ": unknown tokenizer.ggml.pre '" + pre_ +
                             "': no pre-tokenizer regex is known for it (refusing to guess one)");
    }
    if (pre_.empty()) pre_ = "default";
    ignore_merges_ = spec->ignore_merges;
    load_vocabulary(file, SpecialDefaults{.bos_id = -1, .eos_id = -1, .add_bos = spec->add_bos});
    splitter_ = std::make_unique<RegexSplitter>(std::vector<std::string_view>(spec->regexes.begin(), spec->regexes.end()));

    for (int b = 0; b < 256; ++b) byte_tokens_[b] = find_token(map_bytes(std::string(1, static_cast<char>(b))));

    const std::vector<std::string> merges = file.get_string_array("tokenizer.ggml.merges");
    if (merges.empty()) throw TokenizerError(file.path() + ": byte-level BPE without tokenizer.ggml.merges");
    merges_.reserve(merges.size());
    std::string joined;
    for (size_t rank = 0; rank < merges.size(); ++rank) {
        const std::string_view merge = merges[rank];
        const size_t space = merge.find(' ', 1);  // position 0 may itself be a (mapped) space
        if (space == std::string_view::npos) continue;
        const std::string_view left = merge.substr(0, space), right = merge.substr(space + 1);
        joined.assign(left).append(right);
        const int32_t left_id = find_token(left), right_id = find_token(right), result = find_token(joined);
        // A merge whose parts or result are not tokens can never fire on token symbols.
        if (left_id < 0 || right_id < 0 || result < 0) continue;
        merges_.emplace(pair_key(left_id, right_id), Merge{static_cast<int32_t>(rank), result});  // first rank wins
    }
}

std::vector<int32_t> BpeTokenizer::encode(std::string_view text, bool add_special, bool parse_special) const {
    std::vector<int32_t> ids;
    if (add_special && add_bos_) ids.push_back(bos_id_);
    for (const Fragment& fragment : partition_special(text, parse_special)) {
        if (fragment.token >= 0) {
            ids.push_back(fragment.token);
            continue;
        }
        // Like llama.cpp, invalid UTF-8 becomes U+FFFD before the regexes see it.
        std::string sanitized;
        std::string_view valid = fragment.text;
        if (!utf8::is_valid(valid)) {
            sanitized = utf8::sanitize(valid);
            valid = sanitized;
        }
        for (std::string_view piece : splitter_->split(valid)) encode_piece(piece, ids);
    }
    if (add_special && add_eos_) ids.push_back(eos_id_);
    return ids;
}

void BpeTokenizer::encode_piece(std::string_view piece, std::vector<int32_t>& out) const {
    if (ignore_merges_) {
        if (const int32_t id = find_token(map_bytes(piece)); id >= 0) {
            out.push_back(id);
            return;
        }
    }

    // One symbol per byte (= per mapped character), linked so merged-away symbols drop out.
    struct Symbol {
        int32_t id;  // -1: merged into its left neighbour, or a byte without a token
        int32_t prev, next;
    };
    const auto n = static_cast<int32_t>(piece.size());
    std::vector<Symbol> symbols(piece.size());
    for (int32_t i = 0; i < n; ++i) {
        symbols[i] = {byte_tokens_[static_cast<uint8_t>(piece[i])], i - 1, i + 1 < n ? i + 1 : -1};
    }

    struct Candidate {
        int32_t rank, left, right, left_id, right_id, result;
    };
    // Lowest rank first; ties go to the leftmost pair.
    const auto later = [](const Candidate& a, const Candidate& b) {
        return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
    };
    std::priority_queue<Candidate, std::vector<Candidate>, decltype(later)> queue(later);
    const auto consider = [&](int32_t left, int32_t right) {
        if (left < 0 || right < 0) return;
        const int32_t left_id = symbols[left].id, right_id = symbols[right].id;
        if (left_id < 0 || right_id < 0) return;
        const auto it = merges_.find(pair_key(left_id, right_id));
        if (it != merges_.end()) queue.push({it->second.rank, left, right, left_id, right_id, it->second.result});
    };
    for (int32_t i = 1; i < n; ++i) consider(i - 1, i);

    while (!queue.empty()) {
        const Candidate merge = queue.top();
        queue.pop();
        Symbol& left = symbols[merge.left];
        Symbol& right = symbols[merge.right];
        // Stale when either side has merged since the candidate was queued.
        if (left.id != merge.left_id || right.id != merge.right_id || left.next != merge.right) continue;
        left.id = merge.result;
        right.id = -1;
        left.next = right.next;
        if (right.next >= 0) symbols[right.next].prev = merge.left;
        consider(left.prev, merge.left);
        consider(merge.left, left.next);
    }
    for (int32_t i = 0; i >= 0 && i < n; i = symbols[i].next) {
        if (symbols[i].id >= 0) out.push_back(symbols[i].id);
    }
}

std::string BpeTokenizer::token_bytes(int32_t id) const {
    const std::string& text = pieces_.at(id);
    if (types_[id] != TokenType::Normal) return text;  // CONTROL, USER_DEFINED, ... are stored raw
    std::string bytes;
    bytes.reserve(text.size());
    for (size_t pos = 0; pos < text.size();) {
        const size_t start = pos;
        const uint32_t cp = utf8::next_code_point(text, pos);
        const int16_t b = cp <= ByteMap::kLastCodePoint ? byte_map().byte[cp] : -1;
        if (b >= 0) {
            bytes.push_back(static_cast<char>(b));
        } else {
            bytes.append(text, start, pos - start);  // not a mapped byte: keep the character
        }
    }
    return bytes;
}

}  // namespace moe
