#include "evaluation/teacher_forcing.h"

#include "tokenizer/tokenizer.h"

namespace moe {

namespace {

// Re-labels each token of one window with its run-wide step, its window as the sequence (the
// analysis pairs tokens only within one) and its document's domain.
class WindowObserver : public TraceObserver {
public:
    WindowObserver(const CorpusTokenFn& fn, int64_t first_step, int document, const std::string& domain, int window)
        : fn_(fn), step_(first_step), document_(document), domain_(domain), window_(window) {}
    void on_token(const TokenTrace& trace) override {
        TokenTrace labelled = trace;
        labelled.step = static_cast<int>(step_++);
        labelled.is_prompt = true;
        labelled.sequence = window_;
        labelled.domain = domain_;
        fn_(labelled, document_, window_);
    }

private:
    const CorpusTokenFn& fn_;
    int64_t step_;
    int document_;
    const std::string& domain_;
    int window_;
};

std::vector<Window> plan_windows(const Tokenizer& tokenizer, const std::vector<Document>& documents, int n_ctx,
                                 int64_t max_tokens) {
    const int32_t bos = tokenizer.add_bos() ? tokenizer.bos_id() : -1;
    std::vector<Window> windows;
    int64_t planned = 0;
    for (size_t d = 0; d < documents.size(); ++d) {
        const auto tokens = tokenizer.encode(documents[d].text, /*add_special=*/false, /*parse_special=*/false);
        for (Window& w : cut_windows(tokens, static_cast<int>(d), n_ctx, bos)) {
            if (max_tokens > 0 && planned + static_cast<int64_t>(w.tokens.size()) > max_tokens)
                w.tokens.resize(static_cast<size_t>(max_tokens - planned));
            if (w.tokens.empty()) return windows;
            planned += static_cast<int64_t>(w.tokens.size());
            windows.push_back(std::move(w));
        }
    }
    return windows;
}

}  // namespace

CorpusRunResult evaluate_corpus(Session& session, const std::vector<Document>& documents,
                                const CorpusRunOptions& options, const CorpusTokenFn& on_token,
                                const std::atomic<bool>* cancel) {
    if (options.n_ctx < 2 || options.n_ctx > session.n_ctx())
        throw EngineError("the window length must be between 2 and the context (" + std::to_string(session.n_ctx()) +
                          "), got " + std::to_string(options.n_ctx));
    const std::vector<Window> windows =
        plan_windows(session.model().tokenizer(), documents, options.n_ctx, options.max_tokens);
    CorpusRunResult result;
    for (const Window& w : windows) result.tokens_planned += static_cast<int64_t>(w.tokens.size());
    for (const Window& w : windows) {
        WindowObserver observer(on_token, result.tokens, w.document,
                                documents[static_cast<size_t>(w.document)].domain, result.windows);
        session.reset();
        try {
            session.evaluate(w.tokens, /*all_logits=*/false, &observer, {}, cancel);
        } catch (const Cancelled&) {
            result.cancelled = true;
            break;
        }
        result.tokens += static_cast<int64_t>(w.tokens.size());
        ++result.windows;
        if (options.progress && !options.progress(result.tokens, result.tokens_planned)) {
            result.cancelled = result.windows < static_cast<int>(windows.size());
            break;
        }
    }
    return result;
}

}  // namespace moe
