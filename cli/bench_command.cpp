// `bench`: prompt and generation speed, and how close generation comes to the memory
// bandwidth measured in the same process (decode reads every active weight once per token).
#include <algorithm>
#include <chrono>
#include <memory>
#include <ostream>
#include <random>

#include "commands.h"
#include "option_checks.h"
#include "engine/engine.h"
#include "parallel/thread_pool.h"
#include "quant/bandwidth.h"
#include "quant/quant.h"
#include "sampling/sampler.h"
#include "util/atomic_file.h"
#include "util/json_writer.h"

namespace moe::cli {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

class WeightBytesObserver : public TraceObserver {
public:
    void on_token(const TokenTrace& trace) override { bytes += trace.weight_bytes_used; }
    double bytes = 0;
};

// Generates n tokens greedily from the current cache, starting with `token` and leaving in it
// the next one; returns the wall time in seconds.
double decode(Session& session, int32_t& token, int n, TraceObserver* observer, int vocab) {
    const auto start = Clock::now();
    for (int i = 0; i < n; ++i) {
        const std::vector<float> logits = session.evaluate({token}, false, observer);
        token = argmax(logits.data(), vocab);
    }
    return seconds_since(start);
}

// The prompt's logits from an empty cache, and the time that took (seconds) after one untimed
// prefill of the same prompt, as llama-bench warms up: the first pass over a freshly mapped file
// and fresh buffers spends a good part of its time in page faults, not in the model.
std::vector<float> timed_prefill(Session& session, const std::vector<int32_t>& prompt, double& seconds) {
    (void)session.evaluate(prompt, false);
    session.truncate(0);
    const auto start = Clock::now();
    std::vector<float> logits = session.evaluate(prompt, false);
    seconds = seconds_since(start);
    return logits;
}

// The traced decode in stretches, each set against reads of the bandwidth probe taken right
// before and after it. The host's bandwidth drifts within seconds on a shared VM (39-78 GB/s
// within minutes on the project's), and one read after all the decodes set the same binary's
// decode at 0.54 to 1.02 of it from run to run; stretch by stretch the two sides see the same
// machine. The reads are short (256 MiB, one pass each way, mapped and touched before the
// decodes): on the project's VM a decode right after a long read runs slower for a while, and
// reads of 512 MiB, two passes each way, took 8-10 % off the decodes around them.
struct TracedDecode {
    double seconds = 0, bytes = 0;
    std::vector<double> fractions, reads;  // each stretch's achieved ÷ read bandwidth; every read
};

TracedDecode traced_decode(Session& session, int32_t token, int n_gen, int vocab, ReadBandwidthProbe& probe) {
    constexpr int kStretches = 8;
    constexpr int kReadRuns = 1;  // each way
    const int stretches = std::min(kStretches, n_gen);
    TracedDecode result;
    result.reads.push_back(probe.measure(kReadRuns));
    for (int s = 0; s < stretches; ++s) {
        const int tokens = n_gen * (s + 1) / stretches - n_gen * s / stretches;
        WeightBytesObserver observer;
        const double seconds = decode(session, token, tokens, &observer, vocab);
        result.reads.push_back(probe.measure(kReadRuns));
        const double read = (result.reads[s] + result.reads[s + 1]) / 2;
        result.fractions.push_back(observer.bytes / seconds / 1e9 / read);
        result.seconds += seconds;
        result.bytes += observer.bytes;
    }
    return result;
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

struct ExactSpeed {
    double prefill_tok_s, decode_tok_s;
};

// The same prompt and decode on the exact path (F32 activations), untraced: the cost of --exact.
ExactSpeed measure_exact(const std::shared_ptr<const Model>& model, SessionOptions options,
                         const std::vector<int32_t>& prompt, int n_gen) {
    options.exact = true;
    Session session(model, options);
    const int vocab = model->info().n_vocab;
    double prefill_s = 0;
    const std::vector<float> logits = timed_prefill(session, prompt, prefill_s);
    int32_t token = argmax(logits.data(), vocab);
    const double decode_s = decode(session, token, n_gen, nullptr, vocab);
    return {static_cast<double>(prompt.size()) / prefill_s, n_gen / decode_s};
}

}  // namespace

int bench_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    Arguments arguments(args, 1, {"--model", "--prompt-tokens", "--gen-tokens", "--threads", "--json"}, {"--exact", "--mmap"},
                        {{"-m", "--model"}, {"-p", "--prompt-tokens"}, {"-n", "--gen-tokens"}, {"-t", "--threads"}});
    constexpr int kMaxTokens = 1 << 20;  // keeps -p + -n + 1 a valid context length
    const std::string allowed = "1 to " + std::to_string(kMaxTokens);
    const int n_prompt = checked_integer(arguments, "--prompt-tokens", 512, 1, kMaxTokens, allowed);
    const int n_gen = checked_integer(arguments, "--gen-tokens", 128, 1, kMaxTokens, allowed);
    const auto json_path = arguments.text("--json");
    check_output_paths(arguments, {"--json"});
    const int n_threads = thread_count(arguments);

    LoadOptions load_options;
    if (arguments.has("--mmap")) load_options.weights = WeightMemory::FileMapping;
    load_options.group_rows = !arguments.has("--exact");
    std::shared_ptr<const Model> model = Model::load(model_path(arguments), load_options);
    SessionOptions options;
    options.n_threads = n_threads;
    options.n_ctx = n_prompt + n_gen + 1;
    options.exact = arguments.has("--exact");
    auto session = std::make_unique<Session>(model, options);
    ThreadPool pool(options.n_threads);
    const int vocab = model->info().n_vocab;
    const char* weight_memory = model->info().weights_in_huge_pages ? "huge_pages" : "file_mapping";
    err << "model " << model->info().name << ", " << pool.size() << " threads, kernels " << quant::active_isa()
        << ", weights " << weight_placement(model->info().weights_in_huge_pages) << "\n";

    // Mapped and touched now, before the timed work (the first touch costs page faults).
    constexpr size_t kProbeBytes = 256ull << 20;
    ReadBandwidthProbe probe(pool, kProbeBytes);

    std::mt19937 rng(1234);
    std::uniform_int_distribution<int32_t> pick(0, vocab - 1);
    std::vector<int32_t> prompt(n_prompt);
    for (auto& t : prompt) t = pick(rng);

    double prefill_s = 0;
    const std::vector<float> logits = timed_prefill(*session, prompt, prefill_s);
    const int32_t first = argmax(logits.data(), vocab);
    err << "prefill: " << n_prompt << " tokens in " << prefill_s << " s\n";

    // Runs without the trace before and after the traced one, from the same cached prompt; the
    // best untraced run is kept, since the machine is shared.
    int32_t token = first;
    const double plain_1 = decode(*session, token, n_gen, nullptr, vocab);
    session->truncate(n_prompt);
    const ThreadPool::Stats threads_before = session->thread_stats();
    const TracedDecode traced = traced_decode(*session, first, n_gen, vocab, probe);
    const ThreadPool::Stats threads_after = session->thread_stats();
    session->truncate(n_prompt);
    token = first;
    const double plain_2 = decode(*session, token, n_gen, nullptr, vocab);

    const double plain = std::min(plain_1, plain_2);
    const double bandwidth = median(traced.reads);
    const auto [lowest_read, highest_read] = std::minmax_element(traced.reads.begin(), traced.reads.end());
    const double prefill_tok_s = n_prompt / prefill_s;
    const double decode_tok_s = n_gen / plain;
    const double traced_tok_s = n_gen / traced.seconds;
    const double bytes_per_token = traced.bytes / n_gen;
    const double achieved = traced.bytes / traced.seconds / 1e9;
    const double fraction = median(traced.fractions);
    const double overhead = traced.seconds / plain - 1.0;
    // Barriers per generated token, and the share of the traced decode the workers spent waiting.
    const double loops_per_token = static_cast<double>(threads_after.loops - threads_before.loops) / n_gen;
    const double worker_busy_s =
        std::chrono::duration<double>(threads_after.worker_busy - threads_before.worker_busy).count();
    const double worker_idle = pool.size() > 1 ? 1.0 - worker_busy_s / ((pool.size() - 1) * traced.seconds) : 0.0;
    // --exact runs load their rows plain (LoadOptions::group_rows): the exact figures are theirs
    const std::string model_name = model->info().path;
    session.reset();
    if (model->info().tensors_in_row_groups > 0) {
        model.reset();
        load_options.group_rows = false;
        model = Model::load(model_path(arguments), load_options);
    }
    const ExactSpeed exact = measure_exact(model, options, prompt, n_gen);

    out << "prefill_tok_s          " << prefill_tok_s << "\n";
    out << "decode_tok_s           " << decode_tok_s << " (trace off), " << traced_tok_s << " (trace on)\n";
    out << "weight_bytes_per_token " << human_bytes(bytes_per_token) << "\n";
    out << "bandwidth_gb_s         " << bandwidth << " measured read bandwidth (median of " << traced.reads.size()
        << " reads between the traced decode's stretches, " << *lowest_read << " to " << *highest_read << ")\n";
    out << "achieved_gb_s          " << achieved << " (decode with trace on)\n";
    out << "bandwidth_fraction     " << fraction << " (median of " << traced.fractions.size()
        << " stretches, each against the reads just before and after it)\n";
    out << "trace_overhead         " << overhead * 100.0 << " %\n";
    out << "loops_per_token        " << loops_per_token << " parallel loops (barriers) per generated token\n";
    out << "worker_idle            " << worker_idle * 100.0 << " % of decode (trace on) the workers waited\n";
    out << "exact_tok_s            " << exact.prefill_tok_s << " prefill, " << exact.decode_tok_s
        << " decode (--exact: F32 activations)\n";

    if (json_path) {
        JsonWriter json;
        json.begin_object();
        json.key("model").value(model_name).key("threads").value(pool.size());
        json.key("kernels").value(quant::active_isa());
        json.key("weights").value(weight_memory);
        json.key("prompt_tokens").value(n_prompt).key("gen_tokens").value(n_gen);
        json.key("prefill_tok_s").value(prefill_tok_s).key("decode_tok_s").value(decode_tok_s);
        json.key("decode_tok_s_trace").value(traced_tok_s);
        json.key("prefill_tok_s_exact").value(exact.prefill_tok_s).key("decode_tok_s_exact").value(exact.decode_tok_s);
        json.key("weight_bytes_per_token").value(bytes_per_token);
        json.key("bandwidth_gb_s").value(bandwidth).key("achieved_gb_s").value(achieved);
        json.key("bandwidth_fraction").value(fraction).key("trace_overhead").value(overhead);
        json.key("bandwidth_reads").array(traced.reads).key("stretch_fractions").array(traced.fractions);
        json.key("loops_per_token").value(loops_per_token).key("worker_idle").value(worker_idle);
        json.end_object();
        write_file_atomically(*json_path, json.str() + "\n");
    }
    return 0;
}

}  // namespace moe::cli
