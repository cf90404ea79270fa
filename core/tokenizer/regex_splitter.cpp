#include "tokenizer/regex_splitter.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <string>

#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace moe {

namespace {

std::string pcre2_message(int error_code) {
    PCRE2_UCHAR buffer[256];
    const int n = pcre2_get_error_message(error_code, buffer, sizeof buffer);
    return n < 0 ? "PCRE2 error " + std::to_string(error_code) : std::string(reinterpret_cast<char*>(buffer));
}

struct MatchDataDeleter {
    void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};
using MatchData = std::unique_ptr<pcre2_match_data, MatchDataDeleter>;

}  // namespace

struct RegexSplitter::Pattern {
    std::string source;
    pcre2_code* code = nullptr;
    ~Pattern() { pcre2_code_free(code); }
};

RegexSplitter::RegexSplitter(const std::vector<std::string_view>& patterns) {
    for (std::string_view source : patterns) {
        auto pattern = std::make_unique<Pattern>();
        pattern->source = source;
        int error_code = 0;
        PCRE2_SIZE error_offset = 0;
        pattern->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(source.data()), source.size(),
                                      PCRE2_UTF | PCRE2_UCP, &error_code, &error_offset, nullptr);
        if (!pattern->code) {
            throw TokenizerError("pre-tokenizer regex does not compile at offset " + std::to_string(error_offset) +
                                 " (" + pcre2_message(error_code) + "): " + pattern->source);
        }
        // JIT is an optimisation only: pcre2_match falls back to the interpreter without it.
        pcre2_jit_compile(pattern->code, PCRE2_JIT_COMPLETE);
        patterns_.push_back(std::move(pattern));
    }
}

RegexSplitter::~RegexSplitter() = default;

std::vector<std::string_view> RegexSplitter::split(std::string_view text) const {
    std::vector<std::string_view> pieces;
    if (text.empty()) return pieces;
    pieces.push_back(text);
    std::vector<std::string_view> next;

    for (const auto& pattern : patterns_) {
        MatchData match_data(pcre2_match_data_create_from_pattern(pattern->code, nullptr));
        if (!match_data) throw std::bad_alloc();
        next.clear();
        for (std::string_view piece : pieces) {
            const auto subject = reinterpret_cast<PCRE2_SPTR>(piece.data());
            size_t unconsumed = 0;  // start of the pending gap
            size_t search_from = 0;
            while (search_from < piece.size()) {
                int rc = pcre2_match(pattern->code, subject, piece.size(), search_from, PCRE2_NO_UTF_CHECK,
                                     match_data.get(), nullptr);
                if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {  // very long runs: the interpreter has no such limit
                    rc = pcre2_match(pattern->code, subject, piece.size(), search_from,
                                     PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, match_data.get(), nullptr);
                }
                if (rc == PCRE2_ERROR_NOMATCH) break;
                if (rc < 0) {
                    throw TokenizerError("pre-tokenizer regex failed (" + pcre2_message(rc) + "): " + pattern->source);
                }
                const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match_data.get());
                const size_t match_begin = ovector[0], match_end = ovector[1];
                if (match_end == match_begin) {  // an empty match splits nothing; step over one character
                    if (match_begin >= piece.size()) break;
                    search_from = match_begin + utf8::sequence_length(static_cast<uint8_t>(piece[match_begin]));
                    continue;
                }
                if (match_begin > unconsumed) next.push_back(piece.substr(unconsumed, match_begin - unconsumed));
                next.push_back(piece.substr(match_begin, match_end - match_begin));
                unconsumed = search_from = match_end;
            }
            if (unconsumed < piece.size()) next.push_back(piece.substr(unconsumed));
        }
        pieces.swap(next);
    }
    return pieces;
}

}  // namespace moe
