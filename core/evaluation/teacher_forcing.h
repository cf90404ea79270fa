// Teacher-forced evaluation of a corpus (`moescope-cli profile`): every document is tokenized,
// cut into windows that start with BOS, and each window is evaluated as one prompt from an
// empty cache; the routing trace of every token goes to the caller.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "engine/engine.h"
#include "evaluation/corpus.h"

namespace moe {

struct CorpusRunOptions {
    int n_ctx = 512;         // window length, BOS included
    int64_t max_tokens = 0;  // stop after this many evaluated tokens (0: the whole corpus)
    // Called after every window with (tokens done, tokens planned); return false to stop.
    std::function<bool(int64_t done, int64_t total)> progress;
};

// One evaluated token: `trace.step` counts over the whole run; `window` numbers the windows
// (a consecutive-pair boundary), `document` indexes the documents.
using CorpusTokenFn = std::function<void(const TokenTrace& trace, int document, int window)>;

struct CorpusRunResult {
    int64_t tokens = 0;        // evaluated
    int64_t tokens_planned = 0;
    int windows = 0;           // evaluated completely
    bool cancelled = false;    // by `cancel` or the progress callback; outputs hold whole windows only
};

// Throws EngineError when n_ctx is below 2 or above the session's context.
CorpusRunResult evaluate_corpus(Session& session, const std::vector<Document>& documents,
                                const CorpusRunOptions& options, const CorpusTokenFn& on_token,
                                const std::atomic<bool>* cancel = nullptr);

}  // namespace moe
