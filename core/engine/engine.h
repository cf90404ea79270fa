// The core API that both front ends (moescope-cli and the Qt app) use:
// load a GGUF model, then run prompts through a Session token by token with a routing trace.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/model_info.h"
#include "models/model_options.h"
#include "parallel/thread_pool.h"
#include "sampling/sampling_params.h"
#include "trace/routing_trace.h"

namespace moe {

class Tokenizer;
class Transformer;
class KvCache;

class Model {
public:
    // Throws EngineError (or gguf::GgufError / TokenizerError, both std::runtime_error)
    // with a message naming the file and the problem; Cancelled if progress returned false.
    static std::shared_ptr<const Model> load(const std::string& path, const LoadOptions& options = {});
    ~Model();

    const ModelInfo& info() const;
    const Tokenizer& tokenizer() const;
    const Transformer& transformer() const;

private:
    struct Impl;
    explicit Model(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

struct GenerationRequest {
    std::string prompt;
    int max_new_tokens = 64;
    SamplingParams sampling;
    RoutingOverrides overrides;
    bool parse_special = true;  // match control-token texts such as <|im_start|> in the prompt
    bool stop_at_eos = true;
    // Generate until the context is full instead of refusing a request that does not fit (the
    // app, where max tokens is a slider); the prompt alone must still fit.
    bool stop_at_context_end = false;
};

struct GenerationEvents {
    // One call per evaluated token (prompt tokens first); setting it turns tracing on.
    std::function<void(const TokenTrace&)> on_trace;
    // Newly completed UTF-8 text of the generated tokens.
    std::function<void(const std::string&)> on_text;
    // Raw logits at every evaluated position (prompt positions included), for --logits-csv.
    std::function<void(int step, int pos, const float* logits, int n_vocab)> on_logits;
};

struct GenerationResult {
    std::vector<int32_t> prompt_tokens;
    std::vector<int32_t> generated_tokens;
    std::string text;  // decoded generated text
    bool cancelled = false;
    bool stopped_at_eos = false;
    bool stopped_at_context_end = false;  // fewer tokens than asked: the context was full
    double prefill_ms = 0, decode_ms = 0;
    double time_to_first_token_ms = 0;
};

struct SessionOptions {
    int n_ctx = 0;      // 0: min(training context, 4096)
    int n_threads = 0;  // 0: all cores
    // Keep activations in F32 and expand quantized weights exactly (slower; for bit-careful
    // comparisons). Off: activations are quantized to 8 bits per product, as llama.cpp does.
    bool exact = false;
};

// Owns the KV cache and threads for one conversation with a model. Not thread-safe: one
// thread drives a session (the app's worker thread, or the CLI's main thread).
class Session {
public:
    explicit Session(std::shared_ptr<const Model> model, const SessionOptions& options = {});
    ~Session();

    const Model& model() const { return *model_; }
    int n_ctx() const;
    int n_past() const;  // tokens in the cache
    void reset();        // forget the cache
    void truncate(int n_past);  // keep only the first n_past cached positions (n_past <= n_past())

    // Tokenizes the prompt (BOS per the file), clears the cache, evaluates the prompt as one
    // batch, then samples up to max_new_tokens one at a time. `cancel` is checked at least once
    // per layer; when it is set the run stops and the result says cancelled.
    // Throws EngineError when prompt + max_new_tokens exceeds the context, unless the request
    // says stop_at_context_end (then only when the prompt itself does not fit).
    GenerationResult generate(const GenerationRequest& request, const GenerationEvents& events,
                              const std::atomic<bool>* cancel = nullptr);

    // Low level, for tests and benchmarks: evaluates tokens at positions n_past.. and returns
    // the logits of every one of them (n × n_vocab, row-major) if all_logits, else the last.
    std::vector<float> evaluate(const std::vector<int32_t>& tokens, bool all_logits,
                                TraceObserver* observer = nullptr, const RoutingOverrides& overrides = {},
                                const std::atomic<bool>* cancel = nullptr);

    // The parallel loops run so far (each ends at a barrier) and the workers' busy time.
    ThreadPool::Stats thread_stats() const;

private:
    std::shared_ptr<const Model> model_;
    std::unique_ptr<ThreadPool> pool_;
    std::unique_ptr<KvCache> cache_;
    int steps_ = 0;  // evaluations since reset, for TokenTrace::step
    bool exact_ = false;
};

}  // namespace moe
