// Text corpora for teacher-forced evaluation (`moescope-cli profile`): documents read from a
// text file, a folder of files, or JSONL, each optionally labelled with a domain.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace moe {

class CorpusError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Document {
    std::string text;
    std::string domain;  // empty: none
    std::string source;  // "file" or "file:line", for messages
};

// PATH is a text file (one document), a .jsonl file (one document per non-blank line: an object
// with a string "text" and an optional string "domain"), or a folder whose regular files are
// read in name order (recursively) by the same two rules. `domain`, when not empty, labels
// every document and overrides a JSONL "domain". Documents with no text are skipped.
// Throws CorpusError naming the file (and line) and the problem: unreadable, not UTF-8 JSON,
// a line without "text", or no documents at all.
std::vector<Document> load_corpus(const std::string& path, const std::string& domain = {});

// One evaluation window: BOS (when the vocabulary has one) then up to n_ctx - 1 tokens of a
// document, so every window starts like a prompt. A document longer than that gives several.
struct Window {
    int document = 0;             // index into the documents
    std::vector<int32_t> tokens;  // (≤ n_ctx)
};

// Cuts a tokenized document (without BOS) into windows; bos < 0 means none (windows of n_ctx).
std::vector<Window> cut_windows(const std::vector<int32_t>& tokens, int document, int n_ctx, int32_t bos);

}  // namespace moe
