// Pre-tokenizer regex cascade (reference §5.2 step 1) on PCRE2 in UTF + Unicode-property mode.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

namespace moe {

class RegexSplitter {
public:
    // Compiles every pattern once (JIT when available). Throws TokenizerError naming the
    // pattern and PCRE2's message when one does not compile.
    explicit RegexSplitter(const std::vector<std::string_view>& patterns);
    ~RegexSplitter();
    RegexSplitter(const RegexSplitter&) = delete;
    RegexSplitter& operator=(const RegexSplitter&) = delete;

    // Applies the patterns in order; each one splits every current piece into its matches
    // and the unmatched gaps between them, so the pieces always concatenate back to `text`.
    // `text` must be valid UTF-8. Safe to call from several threads at once.
    std::vector<std::string_view> split(std::string_view text) const;

private:
    struct Pattern;
    std::vector<std::unique_ptr<Pattern>> patterns_;
};

}  // namespace moe
