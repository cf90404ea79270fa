#include "engine/engine.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <sstream>

#include "gguf/gguf_file.h"
#include "models/tensor_names.h"
#include "models/transformer.h"
#include "parallel/thread_pool.h"
#include "quant/matmul.h"
#include "sampling/sampler.h"
#include "tokenizer/tokenizer.h"
#include "util/huge_pages.h"

namespace moe {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string multiplier_summary(const ModelConfig& c) {
    std::ostringstream s;
    auto item = [&](const char* text, float value) {
        if (value != 1.0f) s << (s.tellp() > 0 ? ", " : "") << text << value;
    };
    item("embeddings ×", c.embedding_scale);
    item("residual branches ×", c.residual_scale);
    item("logits ÷", c.logit_scale);
    return s.str();
}

ModelInfo describe(const gguf::GgufFile& file, const Transformer& model, const Tokenizer& tokenizer) {
    const ModelConfig& c = model.config();
    ModelInfo info;
    info.path = file.path();
    info.name = file.get_string("general.name").value_or(std::filesystem::path(file.path()).filename().string());
    info.architecture = c.arch;
    info.file_size = file.total_size();
    info.n_layer = c.n_layer;
    info.n_embd = c.n_embd;
    info.n_head = c.n_head;
    info.n_head_kv = c.n_head_kv;
    info.n_vocab = c.n_vocab;
    info.n_ctx_train = c.n_ctx_train;
    info.n_expert = c.n_expert;
    info.n_expert_used = c.n_expert_used;
    info.n_expert_shared = c.n_expert_shared;
    info.expert_ffn = c.n_ff_expert;
    info.shared_ffn = c.n_ff_shared;
    info.dense_ffn = c.n_ff_dense;
    for (int il = 0; il < c.n_layer; ++il)
        if (c.is_moe_layer(il)) info.moe_layers.push_back(il);
    info.n_leading_dense = info.moe_layers.empty() ? c.n_layer : info.moe_layers.front();
    info.gating = c.moe.gating == Gating::Sigmoid       ? "sigmoid"
                  : c.moe.gating == Gating::SoftmaxTopK ? "softmax over the top-k"
                                                        : "softmax";
    if (c.moe.weight_before_expert) info.gating += ", weight applied to the expert's input";  // llama4
    info.weights_normalized = c.moe.weights_norm;
    info.weights_scale = c.moe.weights_scale;
    info.n_group = c.moe.n_group;
    info.n_group_used = c.moe.n_group_used;
    info.has_selection_bias =
        !info.moe_layers.empty() && file.find_tensor(tensor_name(TensorRole::ExpProbsB, info.moe_layers.front()));
    info.has_shared_gate = c.moe.shared_gate;
    info.attention = model.attention_summary();
    info.multipliers = multiplier_summary(c);
    info.blocks = describe_layer_plan(c);
    info.params_total = model.params_total();
    info.params_active = model.params_active();
    for (const auto& t : file.tensors()) info.params_by_type[type_name(t.type)] += t.n_elements();
    info.kv_bytes_per_token = model.cache_floats_per_token() * static_cast<int64_t>(sizeof(float));
    info.kv_bytes_per_token_mha = model.mha_floats_per_token() * static_cast<int64_t>(sizeof(float));
    info.tokenizer = tokenizer.model_name() + (tokenizer.pre_name().empty() ? "" : " / " + tokenizer.pre_name());
    info.weights_in_huge_pages = file.tensor_data_in_huge_pages();
    info.tensors_in_row_groups = model.tensors_in_row_groups();
    return info;
}

bool copies_weights(WeightMemory choice, uint64_t bytes) {
    switch (choice) {
        case WeightMemory::HugePages: return true;
        case WeightMemory::FileMapping: return false;
        case WeightMemory::Auto: break;
    }
    return huge_pages_available() && bytes <= available_memory_bytes() / 4 * 3;
}

}  // namespace

struct Model::Impl {
    std::shared_ptr<const gguf::GgufFile> file;
    std::unique_ptr<Transformer> transformer;
    std::unique_ptr<Tokenizer> tokenizer;
    ModelInfo info;
};

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

std::shared_ptr<const Model> Model::load(const std::string& path, const LoadOptions& options) {
    auto impl = std::make_unique<Impl>();
    std::unique_ptr<gguf::GgufFile> file = gguf::GgufFile::open_model(path);
    LoadOptions rest = options;
    if (copies_weights(options.weights, file->tensor_data_bytes())) {
        // The copy reads the whole file, the bulk of a load: 90 % of the progress bar.
        constexpr float kCopyShare = 0.9f;
        if (!file->copy_tensor_data_to_huge_pages([&](float f) { return !options.progress || options.progress(kCopyShare * f); }))
            throw Cancelled();
        if (options.progress)
            rest.progress = [&options](float f) { return options.progress(kCopyShare + (1.0f - kCopyShare) * f); };
    }
    impl->file = std::move(file);
    impl->tokenizer = Tokenizer::from_gguf(*impl->file);
    impl->transformer = Transformer::create(impl->file, rest);
    if (impl->tokenizer->vocab_size() > impl->transformer->config().n_vocab)
        throw EngineError(path + ": the tokenizer has " + std::to_string(impl->tokenizer->vocab_size()) +
                          " tokens but the model only " + std::to_string(impl->transformer->config().n_vocab));
    impl->info = describe(*impl->file, *impl->transformer, *impl->tokenizer);
    return std::shared_ptr<const Model>(new Model(std::move(impl)));
}

const ModelInfo& Model::info() const { return impl_->info; }
const Tokenizer& Model::tokenizer() const { return *impl_->tokenizer; }
const Transformer& Model::transformer() const { return *impl_->transformer; }

Session::Session(std::shared_ptr<const Model> model, const SessionOptions& options) : model_(std::move(model)) {
    const ModelConfig& c = model_->transformer().config();
    const int n_ctx = options.n_ctx > 0 ? options.n_ctx : std::min(c.n_ctx_train, 4096);
    pool_ = std::make_unique<ThreadPool>(options.n_threads);
    exact_ = options.exact;
    cache_ = model_->transformer().make_cache(n_ctx);
}

Session::~Session() = default;

int Session::n_ctx() const { return cache_->n_ctx(); }

ThreadPool::Stats Session::thread_stats() const { return pool_->stats(); }
int Session::n_past() const { return cache_->n_past(); }

void Session::reset() {
    cache_->set_n_past(0);
    steps_ = 0;
}

void Session::truncate(int n_past) {
    if (n_past < 0 || n_past > cache_->n_past())
        throw EngineError("cannot truncate the cache to " + std::to_string(n_past) + " positions");
    cache_->set_n_past(n_past);
    steps_ = n_past;
}

std::vector<float> Session::evaluate(const std::vector<int32_t>& tokens, bool all_logits, TraceObserver* observer,
                                     const RoutingOverrides& overrides, const std::atomic<bool>* cancel) {
    const Transformer& model = model_->transformer();
    const ModelConfig& c = model.config();
    const int n = static_cast<int>(tokens.size());
    std::vector<float> logits(static_cast<size_t>(all_logits ? n : 1) * c.n_vocab);
    std::vector<TokenTrace> traces;
    if (observer) traces.resize(n);
    const int pos0 = cache_->n_past();

    ForwardRequest request;
    request.tokens = tokens.data();
    request.n = n;
    request.all_logits = all_logits;
    request.logits = logits.data();
    request.cache = cache_.get();
    request.pool = pool_.get();
    request.overrides = &overrides;
    request.cancel = cancel;
    request.traces = observer ? &traces : nullptr;
    const auto start = Clock::now();
    {
        const ExactActivations precision(exact_);
        model.forward(request);
    }
    const double per_token_ms = ms_since(start) / std::max(1, n);

    for (int i = 0; i < n && observer; ++i) {
        TokenTrace& t = traces[i];
        t.step = steps_ + i;
        t.pos = pos0 + i;
        t.token_id = tokens[i];
        t.text = model_->tokenizer().token_bytes(tokens[i]);
        t.total_ms = per_token_ms;
        // Work as if this token were decoded alone: its chosen experts vs every expert.
        t.flops_used = t.flops_dense = model.head_flops();
        t.weight_bytes_used = t.weight_bytes_dense = model.head_bytes();
        size_t moe_index = 0;
        for (int il = 0; il < c.n_layer; ++il) {
            const LayerCost& cost = model.layer_costs()[il];
            const double fixed = cost.fixed_flops + cost.attn_flops_per_position * (t.pos + 1);
            t.flops_used += fixed;
            t.flops_dense += fixed;
            t.weight_bytes_used += cost.fixed_bytes;
            t.weight_bytes_dense += cost.fixed_bytes;
            if (!c.is_moe_layer(il)) continue;
            const double chosen = static_cast<double>(t.moe_layers[moe_index++].experts.size());
            t.flops_used += chosen * cost.expert_flops;
            t.flops_dense += c.n_expert * cost.expert_flops;
            t.weight_bytes_used += chosen * cost.expert_bytes;
            t.weight_bytes_dense += c.n_expert * cost.expert_bytes;
        }
        observer->on_token(t);
    }
    steps_ += n;
    return logits;
}

namespace {

// Hands traces to GenerationEvents::on_trace, marking the prompt's tokens.
class CallbackObserver : public TraceObserver {
public:
    CallbackObserver(const std::function<void(const TokenTrace&)>& fn, int n_prompt) : fn_(fn), n_prompt_(n_prompt) {}
    void on_token(const TokenTrace& trace) override {
        if (trace.pos >= n_prompt_) return fn_(trace);
        TokenTrace marked = trace;
        marked.is_prompt = true;
        fn_(marked);
    }

private:
    const std::function<void(const TokenTrace&)>& fn_;
    int n_prompt_;
};

}  // namespace

GenerationResult Session::generate(const GenerationRequest& request, const GenerationEvents& events,
                                   const std::atomic<bool>* cancel) {
    const Tokenizer& tokenizer = model_->tokenizer();
    const int n_vocab = model_->transformer().config().n_vocab;
    GenerationResult result;
    result.prompt_tokens = tokenizer.encode(request.prompt, /*add_special=*/true, request.parse_special);
    if (result.prompt_tokens.empty()) throw EngineError("the prompt is empty");
    const int n_prompt = static_cast<int>(result.prompt_tokens.size());
    int max_new_tokens = std::max(0, request.max_new_tokens);
    if (n_prompt + max_new_tokens > n_ctx()) {
        if (!request.stop_at_context_end || n_prompt > n_ctx())
            throw EngineError("the prompt (" + std::to_string(n_prompt) + " tokens) plus " +
                              std::to_string(max_new_tokens) + " new tokens needs " +
                              std::to_string(n_prompt + max_new_tokens) + " positions, but the context holds " +
                              std::to_string(n_ctx()));
        max_new_tokens = n_ctx() - n_prompt;
    }
    reset();

    CallbackObserver observer(events.on_trace, static_cast<int>(result.prompt_tokens.size()));
    TraceObserver* tracer = events.on_trace ? &observer : nullptr;
    Sampler sampler(request.sampling);
    StreamingDecoder decoder(tokenizer, /*at_sequence_start=*/false);
    const auto start = Clock::now();
    auto report_logits = [&](const std::vector<float>& logits, int first_pos) {
        if (!events.on_logits) return;
        const int rows = static_cast<int>(logits.size() / n_vocab);
        for (int r = 0; r < rows; ++r)
            events.on_logits(first_pos + r, first_pos + r, &logits[static_cast<size_t>(r) * n_vocab], n_vocab);
    };
    try {
        std::vector<float> logits = evaluate(result.prompt_tokens, events.on_logits != nullptr, tracer,
                                             request.overrides, cancel);
        report_logits(logits, 0);
        result.prefill_ms = ms_since(start);
        const auto decode_start = Clock::now();
        while (static_cast<int>(result.generated_tokens.size()) < max_new_tokens) {
            const float* last = &logits[logits.size() - n_vocab];
            const int32_t next = sampler.sample(last, n_vocab);
            if (result.generated_tokens.empty()) result.time_to_first_token_ms = ms_since(start);
            if (request.stop_at_eos && tokenizer.is_end_of_generation(next)) {
                result.stopped_at_eos = true;
                break;
            }
            result.generated_tokens.push_back(next);
            const std::string piece = decoder.push(next);
            result.text += piece;
            if (events.on_text && !piece.empty()) events.on_text(piece);
            if (static_cast<int>(result.generated_tokens.size()) == max_new_tokens) break;
            check_cancel(cancel);
            const int pos = n_past();
            logits = evaluate({next}, false, tracer, request.overrides, cancel);
            // Kept current so that a cancelled run reports the speed of the tokens it finished.
            result.decode_ms = ms_since(decode_start);
            report_logits(logits, pos);
        }
        result.decode_ms = ms_since(decode_start);
    } catch (const Cancelled&) {
        result.cancelled = true;
    }
    result.stopped_at_context_end = !result.cancelled && !result.stopped_at_eos &&
                                    static_cast<int>(result.generated_tokens.size()) < request.max_new_tokens;
    const std::string tail = decoder.flush();
    result.text += tail;
    if (events.on_text && !tail.empty()) events.on_text(tail);
    return result;
}

}  // namespace moe
