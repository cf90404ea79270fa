#include "cli.h"

#include <cstdio>
#include <ostream>

#include "commands.h"
#include "engine/demo_model.h"
#include "engine/engine.h"

namespace moe::cli {

namespace {

constexpr const char* kUsage = R"(usage: moescope-cli <command> [options]

commands:
  info [-m MODEL]                      architecture, experts, parameters, quant types
  tokenize [-m MODEL] -p TEXT          token ids, one per line, with their text
  run [-m MODEL] -p PROMPT [-n N]      generate, printing text as it streams
      [--temp T] [--top-k K] [--top-p P] [--seed S] [--threads T] [--ctx N [--ctx-override]]
      [--routing-csv FILE] [--routing-npz FILE] [--logits-csv FILE] [--logits-top K] [--json FILE]
      [--experts K] [--disable-expert LAYER:EXPERT]... [--dense] [--ignore-eos] [--exact]
  bench [-m MODEL] [-p 512] [-n 128] [--threads T] [--json FILE] [--exact] [--mmap]
  synth --arch ARCH --preset NAME [--layers L] [--type TYPE] [--seed S] [--legacy-kv-b] -o FILE
      (synth --list shows the presets)
  perplexity [-m MODEL] -f TEXT [--ctx 512] [--threads T]
      [--experts K] [--disable-expert LAYER:EXPERT]... [--dense] [--exact]
  profile [-m MODEL] [--corpus PATH]... [--domain NAME=PATH]... [--ctx N] [--max-tokens N]
      [--routing-csv FILE] [--json FILE] [--threads T] [--exact]   (bundled samples without a corpus)
  prune [-m MODEL] --keep M --profile PROFILE.json -o OUT.gguf
  analyze TRACE... [-m MODEL | --n-expert N] [--json FILE] [--cache-sizes 2,4,8]
      [--min-count 5] [--top-tokens 10] [--no-oracle]
                                       routing metrics per MoE layer (README: Routing analytics)
  compare A B [-m MODEL] [--json FILE] router agreement of two runs over the same tokens
      A TRACE is a routing CSV, .npz/.npy or vLLM response .json. An imported trace's MoE layers
      are blocks 0..L-1 unless -m MODEL or --first-moe-layer N [--moe-layer-interval I] says
      where they are; its token ids are decoded by -m's tokenizer or --tokenizer VOCAB.gguf.
  whatif [-m MODEL] -p PROMPT [-n 16] (--top-k K | --dense | --disable-expert LAYER:EXPERT...)
      [--json FILE] [--csv FILE] [--threads T]
                                       the greedy baseline's tokens again under routing overrides

Without -m the bundled demo model is used.
)";

}  // namespace

std::string model_path(const Arguments& arguments) {
    if (auto path = arguments.text("--model")) return *path;
    return demo_model_path();
}

std::shared_ptr<const Model> load_model(const Arguments& arguments) {
    LoadOptions options;
    options.group_rows = !arguments.has("--exact");
    return Model::load(model_path(arguments), options);
}

std::string escape_piece(const std::string& bytes) {
    std::string out;
    for (char ch : bytes) {
        if (ch == '\n') {
            out += "\\n";
        } else if (ch == '\t') {
            out += "\\t";
        } else if (ch == '\\') {
            out += "\\\\";
        } else {
            out += ch;
        }
    }
    return out;
}

namespace {

// n divided down by `base` until it is below it, with the matching unit.
std::string scaled(double n, double base, const std::vector<const char*>& units) {
    size_t u = 0;
    while (n >= base && u + 1 < units.size()) {
        n /= base;
        ++u;
    }
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, u == 0 ? "%.0f%s" : "%.2f%s", n, units[u]);
    return buffer;
}

}  // namespace

std::string human_count(double n) { return scaled(n, 1000.0, {"", "K", "M", "B", "T"}); }
std::string human_bytes(double n) { return scaled(n, 1024.0, {" B", " KiB", " MiB", " GiB", " TiB"}); }

std::string weight_placement(bool in_huge_pages) {
    return in_huge_pages ? "copied into 2 MiB pages" : "read through the file mapping";
}

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
        (args.empty() ? err : out) << kUsage;
        return args.empty() ? 2 : 0;
    }
    const std::string& command = args[0];
    try {
        if (command == "info") return info_command(args, out);
        if (command == "tokenize") return tokenize_command(args, out);
        if (command == "run") return run_command(args, out, err);
        if (command == "bench") return bench_command(args, out, err);
        if (command == "synth") return synth_command(args, out);
        if (command == "perplexity") return perplexity_command(args, out, err);
        if (command == "profile") return profile_command(args, out, err);
        if (command == "prune") return prune_command(args, out);
        if (command == "analyze") return analyze_command(args, out, err);
        if (command == "compare") return compare_command(args, out, err);
        if (command == "whatif") return whatif_command(args, out, err);
        err << "moescope-cli: unknown command '" << command << "'\n" << kUsage;
        return 2;
    } catch (const UsageError& e) {
        err << "moescope-cli " << command << ": " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        err << "moescope-cli " << command << ": " << e.what() << "\n";
        return 1;
    }
}

}  // namespace moe::cli
