#include "evaluation/perplexity.h"

#include <algorithm>
#include <cmath>

#include "tokenizer/tokenizer.h"

namespace moe {

double NllAccumulator::perplexity() const { return std::exp(mean()); }

double NllAccumulator::standard_error() const {
    if (count_ < 2) return 0.0;
    const double m = mean();
    const double variance = sum_squares_ / count_ - m * m;
    return variance > 0 ? perplexity() * std::sqrt(variance / (count_ - 1)) : 0.0;
}

double token_nll(const float* logits, int n_vocab, int32_t target) {
    const float max_logit = *std::max_element(logits, logits + n_vocab);
    double sum_exp = 0.0;
    for (int i = 0; i < n_vocab; ++i) sum_exp += std::exp(logits[i] - max_logit);
    return -(static_cast<double>(logits[target] - max_logit) - std::log(sum_exp));
}

std::vector<int32_t> tokenize_for_perplexity(const Model& model, const std::string& text) {
    return model.tokenizer().encode(text, /*add_special=*/true, /*parse_special=*/false);
}

namespace {

// Sums the per-token work of every evaluated token.
class WorkTally : public TraceObserver {
public:
    void on_token(const TokenTrace& t) override {
        flops_used += t.flops_used;
        flops_dense += t.flops_dense;
        bytes_used += t.weight_bytes_used;
        bytes_dense += t.weight_bytes_dense;
        ++tokens;
    }
    double flops_used = 0, flops_dense = 0, bytes_used = 0, bytes_dense = 0;
    int64_t tokens = 0;
};

}  // namespace

PerplexityResult compute_perplexity(Session& session, const std::vector<int32_t>& tokens,
                                    const PerplexityOptions& options, const std::atomic<bool>* cancel) {
    const int n_ctx = options.n_ctx;
    if (n_ctx < 4) throw EngineError("the perplexity context must hold at least 4 tokens, got " + std::to_string(n_ctx));
    if (n_ctx > session.n_ctx())
        throw EngineError("the perplexity context (" + std::to_string(n_ctx) + ") exceeds the session's (" +
                          std::to_string(session.n_ctx()) + ")");
    if (static_cast<int64_t>(tokens.size()) < 2 * static_cast<int64_t>(n_ctx))
        throw EngineError("the text has " + std::to_string(tokens.size()) + " tokens; perplexity with a context of " +
                          std::to_string(n_ctx) + " needs at least " + std::to_string(2 * n_ctx));
    const Tokenizer& tokenizer = session.model().tokenizer();
    const bool add_bos = tokenizer.add_bos() && tokenizer.bos_id() >= 0;
    const int n_vocab = session.model().info().n_vocab;
    const int first = n_ctx / 2;

    PerplexityResult result;
    result.tokens = static_cast<int>(tokens.size());
    result.chunks_total = static_cast<int>(tokens.size() / n_ctx);
    WorkTally work;
    for (int chunk = 0; chunk < result.chunks_total; ++chunk) {
        std::vector<int32_t> window(tokens.begin() + static_cast<ptrdiff_t>(chunk) * n_ctx,
                                    tokens.begin() + static_cast<ptrdiff_t>(chunk + 1) * n_ctx);
        if (add_bos) window[0] = tokenizer.bos_id();
        session.reset();
        std::vector<float> logits;
        try {
            logits = session.evaluate(window, /*all_logits=*/true, &work, options.overrides, cancel);
        } catch (const Cancelled&) {
            result.cancelled = true;
            break;
        }
        // Targets lie past the token BOS replaced, so they are the text's own tokens.
        for (int j = first; j < n_ctx - 1; ++j)
            result.nll.add(token_nll(&logits[static_cast<size_t>(j) * n_vocab], n_vocab, window[j + 1]));
        ++result.chunks;
        if (options.progress && !options.progress(result.chunks, result.chunks_total)) {
            result.cancelled = result.chunks < result.chunks_total;
            break;
        }
    }
    if (work.tokens > 0) {
        result.flops_used = work.flops_used / work.tokens;
        result.flops_dense = work.flops_dense / work.tokens;
        result.weight_bytes_used = work.bytes_used / work.tokens;
        result.weight_bytes_dense = work.bytes_dense / work.tokens;
    }
    return result;
}

}  // namespace moe
