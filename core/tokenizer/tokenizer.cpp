#include "tokenizer/tokenizer.h"

#include <algorithm>

#include "gguf/gguf_file.h"
#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/spm_tokenizer.h"
#include "tokenizer/utf8.h"

namespace moe {

namespace {

// Texts llama.cpp treats as end-of-turn whatever the file says; they also become CONTROL
// tokens (so they are only matched in text when parsing specials).
constexpr std::string_view kEndOfGenerationTexts[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<end_of_turn>", "<|endoftext|>",
    "<|eom_id|>", "<EOT>", "_<EOT>", "<|end_of_text|>", "<end_of_utterance>", "<｜end▁of▁sentence｜>",
};
// Harmony (gpt-oss) markers that llama.cpp always renders, i.e. USER_DEFINED.
constexpr std::string_view kHarmonyMarkers[] = {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"};

TokenType token_type_from_gguf(int64_t value) {
    if (value < 0 || value > static_cast<int64_t>(TokenType::Byte)) return TokenType::Undefined;
    return static_cast<TokenType>(value);
}

bool is_special_type(TokenType type) {
    return type == TokenType::Control || type == TokenType::UserDefined || type == TokenType::Unknown;
}

}  // namespace

std::unique_ptr<Tokenizer> Tokenizer::from_gguf(const gguf::GgufFile& file) {
    try {
        const std::optional<std::string> model = file.get_string("tokenizer.ggml.model");
        if (!model) throw TokenizerError(file.path() + ": no tokenizer.ggml.model key");
        if (*model == "gpt2") return std::make_unique<BpeTokenizer>(file);
        if (*model == "llama") return std::make_unique<SpmTokenizer>(file);
        throw TokenizerError(file.path() + ": unsupported tokenizer.ggml.model '" + *model +
                             "' (supported: gpt2, llama)");
    } catch (const gguf::GgufError& e) {
        throw TokenizerError(std::string("tokenizer metadata: ") + e.what());
    }
}

void Tokenizer::load_vocabulary(const gguf::GgufFile& file, const SpecialDefaults& defaults) {
    const std::string& path = file.path();
    pieces_ = file.get_string_array("tokenizer.ggml.tokens");
    if (pieces_.empty()) throw TokenizerError(path + ": no vocabulary (tokenizer.ggml.tokens)");
    const auto n_tokens = static_cast<int32_t>(pieces_.size());
    for (int32_t id = 0; id < n_tokens; ++id) {
        if (pieces_[id].empty()) pieces_[id] = "[EMPTY_" + std::to_string(id) + "]";  // as llama.cpp
    }

    const std::vector<int64_t> raw_types = file.get_int_array("tokenizer.ggml.token_type");
    if (!raw_types.empty() && raw_types.size() != pieces_.size()) {
        throw TokenizerError(path + ": tokenizer.ggml.token_type has " + std::to_string(raw_types.size()) +
                             " entries for " + std::to_string(n_tokens) + " tokens");
    }
    types_.assign(pieces_.size(), TokenType::Normal);
    for (size_t i = 0; i < raw_types.size(); ++i) types_[i] = token_type_from_gguf(raw_types[i]);

    token_ids_.reserve(pieces_.size());
    for (int32_t id = 0; id < n_tokens; ++id) token_ids_.insert_or_assign(std::string_view(pieces_[id]), id);

    const auto special_id = [&](const char* key, int32_t fallback) {
        const std::optional<int64_t> value = file.get_int(key);
        return value && *value >= 0 && *value < n_tokens ? static_cast<int32_t>(*value) : fallback;
    };
    bos_id_ = special_id("tokenizer.ggml.bos_token_id", defaults.bos_id);
    eos_id_ = special_id("tokenizer.ggml.eos_token_id", defaults.eos_id);
    const int32_t eot_id = special_id("tokenizer.ggml.eot_token_id", -1);
    const int32_t eom_id = special_id("tokenizer.ggml.eom_token_id", -1);
    add_bos_ = file.get_bool("tokenizer.ggml.add_bos_token").value_or(defaults.add_bos);
    add_eos_ = file.get_bool("tokenizer.ggml.add_eos_token").value_or(false);
    if (add_bos_ && bos_id_ < 0) throw TokenizerError(path + ": add_bos_token is set but there is no bos_token_id");
    if (add_eos_ && eos_id_ < 0) throw TokenizerError(path + ": add_eos_token is set but there is no eos_token_id");

    // End of generation (llama.cpp's rules): EOS, EOT, EOM and the end-of-turn texts.
    for (std::string_view text : kEndOfGenerationTexts) {
        const int32_t id = find_token(text);
        if (id < 0) continue;
        end_of_generation_.push_back(id);
        types_[id] = TokenType::Control;
    }
    if (const int32_t id = find_token("</s>"); id >= 0 && types_[id] != TokenType::Normal) {
        end_of_generation_.push_back(id);
    }
    for (int32_t id : {eos_id_, eot_id, eom_id}) {
        if (id >= 0) end_of_generation_.push_back(id);
    }
    for (std::string_view text : kHarmonyMarkers) {
        if (const int32_t id = find_token(text); id >= 0) types_[id] = TokenType::UserDefined;
    }
    std::sort(end_of_generation_.begin(), end_of_generation_.end());
    end_of_generation_.erase(std::unique(end_of_generation_.begin(), end_of_generation_.end()),
                             end_of_generation_.end());
    // Harmony ends a message with <|end|> but the turn with <|return|> / <|call|>.
    const int32_t harmony_end = find_token("<|end|>");
    if (harmony_end >= 0 && find_token("<|return|>") >= 0 && find_token("<|call|>") >= 0) {
        std::erase(end_of_generation_, harmony_end);
        types_[harmony_end] = TokenType::UserDefined;
    }

    for (int32_t id = 0; id < n_tokens; ++id) {
        if (is_special_type(types_[id])) special_tokens_.push_back(id);
    }
    std::stable_sort(special_tokens_.begin(), special_tokens_.end(),
                     [&](int32_t a, int32_t b) { return pieces_[a].size() > pieces_[b].size(); });
}

int32_t Tokenizer::find_token(std::string_view text) const {
    const auto it = token_ids_.find(text);
    return it == token_ids_.end() ? -1 : it->second;
}

std::vector<Tokenizer::Fragment> Tokenizer::partition_special(std::string_view text, bool parse_special) const {
    std::vector<Fragment> fragments;
    if (text.empty()) return fragments;
    fragments.push_back({-1, text});
    std::vector<Fragment> split;
    for (int32_t id : special_tokens_) {
        const TokenType type = types_[id];
        if (!parse_special && type != TokenType::UserDefined) continue;
        const std::string_view needle = pieces_[id];
        if (text.find(needle) == std::string_view::npos) continue;  // cheap common case

        split.clear();
        for (const Fragment& fragment : fragments) {
            if (fragment.token >= 0) {
                split.push_back(fragment);
                continue;
            }
            const std::string_view raw = fragment.text;
            size_t done = 0;
            for (size_t at = raw.find(needle); at != std::string_view::npos; at = raw.find(needle, done)) {
                if (at > done) split.push_back({-1, raw.substr(done, at - done)});
                split.push_back({id, needle});
                done = at + needle.size();
            }
            if (done < raw.size()) split.push_back({-1, raw.substr(done)});
        }
        fragments.swap(split);
    }
    return fragments;
}

std::string Tokenizer::bytes_in_sequence(int32_t id, bool& at_start) const {
    std::string bytes = token_bytes(id);
    if (!at_start || id == bos_id_) return bytes;
    at_start = false;
    if (strip_leading_space_ && !bytes.empty() && bytes.front() == ' ') bytes.erase(0, 1);
    return bytes;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids) const {
    std::string bytes;
    bool at_start = true;
    for (int32_t id : ids) bytes += bytes_in_sequence(id, at_start);
    return utf8::is_valid(bytes) ? bytes : utf8::sanitize(bytes);
}

bool Tokenizer::is_end_of_generation(int32_t id) const {
    return std::binary_search(end_of_generation_.begin(), end_of_generation_.end(), id);
}

std::string StreamingDecoder::push(int32_t id) {
    pending_ += tokenizer_.bytes_in_sequence(id, first_);
    std::string complete;
    size_t pos = 0;
    while (pos < pending_.size()) {
        const utf8::CharScan scan = utf8::scan_char(pending_, pos);
        if (scan.status == utf8::Status::Incomplete) break;  // wait for the next token's bytes
        if (scan.status == utf8::Status::Valid) {
            complete.append(pending_, pos, scan.length);
        } else {
            complete.append(utf8::kReplacementChar);
        }
        pos += scan.length;
    }
    pending_.erase(0, pos);
    return complete;
}

std::string StreamingDecoder::flush() {
    // Only the start of one truncated character can be pending.
    std::string rest = pending_.empty() ? std::string() : std::string(utf8::kReplacementChar);
    pending_.clear();
    return rest;
}

}  // namespace moe
