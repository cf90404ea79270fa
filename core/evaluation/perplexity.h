// Perplexity the way llama.cpp's llama-perplexity computes it, so the two can be compared:
// the whole text is tokenized once (BOS first when the vocabulary adds one), cut into chunks of
// n_ctx tokens whose first token is replaced by BOS, and only the second half of every chunk is
// scored (token j predicted from the logits at j-1, for j = n_ctx/2 + 1 .. n_ctx-1).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace moe {

// Negative log-likelihoods summed as llama-perplexity sums them; the estimate and its standard
// error: PPL = exp(mean), SE = PPL · sqrt((mean of squares − mean²) / (count − 1)).
class NllAccumulator {
public:
    void add(double nll) {
        sum_ += nll;
        sum_squares_ += nll * nll;
        ++count_;
    }
    int64_t count() const { return count_; }
    double mean() const { return count_ ? sum_ / count_ : 0.0; }
    double perplexity() const;
    double standard_error() const;  // 0 with fewer than two values

private:
    double sum_ = 0, sum_squares_ = 0;
    int64_t count_ = 0;
};

// −log softmax(logits)[target], with llama-perplexity's max-shifted float exponentials summed in double.
double token_nll(const float* logits, int n_vocab, int32_t target);

struct PerplexityOptions {
    int n_ctx = 512;
    RoutingOverrides overrides;
    // Called after every chunk with (chunks done, chunks in all); return false to stop early.
    std::function<bool(int done, int total)> progress;
};

struct PerplexityResult {
    int tokens = 0;         // tokens of the whole text (BOS included)
    int chunks = 0;         // chunks evaluated
    int chunks_total = 0;   // chunks the text holds
    NllAccumulator nll;     // over the scored tokens
    bool cancelled = false;
    // Means over every evaluated token (all of each chunk), from the routing trace.
    double flops_used = 0, flops_dense = 0;
    double weight_bytes_used = 0, weight_bytes_dense = 0;
};

// Tokenized as llama-perplexity does: add_special on, special-token texts not parsed.
std::vector<int32_t> tokenize_for_perplexity(const Model& model, const std::string& text);

// Throws EngineError when the text has fewer than 2·n_ctx tokens or n_ctx exceeds the session.
// `cancel` is checked at least once per layer; a cancelled run keeps the chunks already done.
PerplexityResult compute_perplexity(Session& session, const std::vector<int32_t>& tokens,
                                    const PerplexityOptions& options, const std::atomic<bool>* cancel = nullptr);

}  // namespace moe
