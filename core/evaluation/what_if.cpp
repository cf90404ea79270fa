#include "evaluation/what_if.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace moe {

namespace {

// log softmax in double, so that a tiny probability still has a finite log.
std::vector<double> log_softmax(const float* logits, int n) {
    const float max_logit = *std::max_element(logits, logits + n);
    double sum = 0.0;
    for (int i = 0; i < n; ++i) sum += std::exp(static_cast<double>(logits[i]) - max_logit);
    const double log_sum = std::log(sum);
    std::vector<double> out(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) out[static_cast<size_t>(i)] = static_cast<double>(logits[i]) - max_logit - log_sum;
    return out;
}

int32_t argmax(const float* logits, int n) {
    return static_cast<int32_t>(std::max_element(logits, logits + n) - logits);  // first of equal maxima
}

bool same_routing(const TokenTrace& a, const TokenTrace& b) {
    if (a.moe_layers.size() != b.moe_layers.size()) return false;
    for (size_t l = 0; l < a.moe_layers.size(); ++l)
        if (a.moe_layers[l].experts != b.moe_layers[l].experts) return false;
    return true;
}

class Collector : public TraceObserver {
public:
    Collector(std::vector<TokenTrace>& out, int n_prompt) : out_(out), n_prompt_(n_prompt) {}
    void on_token(const TokenTrace& trace) override {
        out_.push_back(trace);
        out_.back().is_prompt = trace.pos < n_prompt_;
    }

private:
    std::vector<TokenTrace>& out_;
    int n_prompt_;
};

}  // namespace

void compare_next_token(const float* baseline, const float* what_if, int n_vocab, WhatIfToken& out) {
    const std::vector<double> log_p = log_softmax(baseline, n_vocab);
    const std::vector<double> log_q = log_softmax(what_if, n_vocab);
    double kl = 0.0;
    for (size_t i = 0; i < log_p.size(); ++i) kl += std::exp(log_p[i]) * (log_p[i] - log_q[i]);
    out.kl = std::max(0.0, kl);  // ≥ 0 in exact arithmetic; rounding may leave −1e-17
    out.delta_logprob = log_q[static_cast<size_t>(out.target)] - log_p[static_cast<size_t>(out.target)];
    out.greedy_baseline = argmax(baseline, n_vocab);
    out.greedy_what_if = argmax(what_if, n_vocab);
}

WhatIfSummary summarize_what_if(const std::vector<WhatIfToken>& tokens) {
    WhatIfSummary s;
    s.tokens = static_cast<int>(tokens.size());
    int changed = 0;
    for (size_t i = 0; i < tokens.size(); ++i) {
        const WhatIfToken& t = tokens[i];
        s.mean_kl += t.kl;
        changed += t.greedy_changed();
        s.flops_saved += t.flops_saved;
        s.weight_bytes_saved += t.weight_bytes_saved;
        s.flops_baseline += t.flops_baseline;
        s.weight_bytes_baseline += t.weight_bytes_baseline;
        if (t.routing_changed && s.first_routing_change < 0) s.first_routing_change = static_cast<int>(i);
    }
    if (s.tokens > 0) {
        s.mean_kl /= s.tokens;
        s.greedy_changed_share = static_cast<double>(changed) / s.tokens;
    }
    return s;
}

WhatIfResult evaluate_what_if(const std::shared_ptr<const Model>& model, const std::vector<int32_t>& tokens,
                              const WhatIfOptions& options, const std::atomic<bool>* cancel) {
    const int n_vocab = model->info().n_vocab;
    if (tokens.size() < 2) throw EngineError("a what-if run needs a baseline of at least two tokens");
    for (const int32_t id : tokens)
        if (id < 0 || id >= n_vocab)
            throw EngineError("the baseline holds token " + std::to_string(id) + ", outside this model's vocabulary of " +
                              std::to_string(n_vocab));
    const int positions = static_cast<int>(tokens.size()) - 1;  // the last token predicts nothing in the run
    SessionOptions session_options;
    session_options.n_ctx = positions;
    session_options.n_threads = options.n_threads;
    Session baseline_session(model, session_options), what_if_session(model, session_options);

    WhatIfResult result;
    Collector baseline_collector(result.baseline_trace, options.n_prompt);
    Collector what_if_collector(result.what_if_trace, options.n_prompt);
    for (int index = 0; index < positions; ++index) {
        const std::vector<int32_t> input{tokens[static_cast<size_t>(index)]};
        std::vector<float> baseline_logits, what_if_logits;
        try {
            baseline_logits = baseline_session.evaluate(input, false, &baseline_collector, options.baseline, cancel);
            what_if_logits = what_if_session.evaluate(input, false, &what_if_collector, options.what_if, cancel);
        } catch (const Cancelled&) {
            result.cancelled = true;
            result.baseline_trace.resize(result.tokens.size());
            break;
        }
        const TokenTrace& base = result.baseline_trace.back();
        const TokenTrace& other = result.what_if_trace.back();
        WhatIfToken t;
        t.pos = base.pos;
        t.token_id = input.front();
        t.target = tokens[static_cast<size_t>(index) + 1];
        compare_next_token(baseline_logits.data(), what_if_logits.data(), n_vocab, t);
        t.routing_changed = !same_routing(base, other);
        t.flops_saved = base.flops_used - other.flops_used;
        t.weight_bytes_saved = base.weight_bytes_used - other.weight_bytes_used;
        t.flops_baseline = base.flops_used;
        t.weight_bytes_baseline = base.weight_bytes_used;
        result.tokens.push_back(t);
        if (options.progress && !options.progress(index + 1, positions)) {
            result.cancelled = index + 1 < positions;
            break;
        }
    }
    result.summary = summarize_what_if(result.tokens);
    return result;
}

}  // namespace moe
