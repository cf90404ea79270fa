#include "trace_options.h"

#include <stdexcept>
#include <utility>

#include "engine/engine.h"
#include "gguf/gguf_file.h"
#include "import/trace_layout.h"
#include "option_checks.h"
#include "progress_line.h"
#include "shared_options.h"
#include "tokenizer/tokenizer.h"

namespace moe::cli {

namespace {

constexpr int kMaxBlock = 4095;     // above any published model's layer count
constexpr int kMaxInterval = 64;

}  // namespace

const std::set<std::string>& TraceOptions::flags() {
    static const std::set<std::string> flags{"--model", "--first-moe-layer", "--moe-layer-interval", "--tokenizer"};
    return flags;
}

TraceOptions::TraceOptions(const Arguments& arguments) {
    if (arguments.has("--model") && arguments.has("--first-moe-layer"))
        throw UsageError("give -m MODEL or --first-moe-layer N, not both (the model knows its MoE layers)");
    if (arguments.has("--moe-layer-interval") && !arguments.has("--first-moe-layer"))
        throw UsageError("--moe-layer-interval needs --first-moe-layer");
    read_.first_moe_layer = checked_integer(arguments, "--first-moe-layer", -1, 0, kMaxBlock,
                                            "0 to " + std::to_string(kMaxBlock) + ", a block index");
    read_.moe_layer_interval = checked_integer(arguments, "--moe-layer-interval", 1, 1, kMaxInterval,
                                               "1 to " + std::to_string(kMaxInterval) + " blocks");
    if (auto path = arguments.text("--model")) {
        model_ = Model::load(*path);
        read_.moe_layers = model_->info().moe_layers;
        read_.n_expert = model_->info().n_expert;
        read_.model_name = model_->info().name;
        tokenizer_ = &model_->tokenizer();
    }
    if (auto path = arguments.text("--tokenizer")) {
        vocab_file_ = gguf::GgufFile::open(*path);
        try {
            vocab_ = Tokenizer::from_gguf(*vocab_file_);
        } catch (const std::runtime_error& e) {
            throw std::runtime_error("--tokenizer '" + *path + "': " + e.what());
        }
        tokenizer_ = vocab_.get();
    }
}

TraceOptions::~TraceOptions() = default;

int TraceOptions::model_expert_count() const { return model_ ? model_->info().n_expert : 0; }

analysis::RoutingTable TraceOptions::read(const std::vector<std::string>& paths, const InterruptFlag& interrupt,
                                          std::ostream& err) const {
    analysis::RoutingTable table;
    for (const std::string& path : paths) {
        ProgressLine progress(err, "reading " + path, "% of the file");
        import::TraceReadOptions options = read_;
        options.progress = [&](double fraction) {
            progress.update(static_cast<int64_t>(100 * fraction), 100, -1);
            return !interrupt.raised();
        };
        analysis::RoutingTable part = import::read_trace(path, options);
        if (tokenizer_ && part.texts.empty()) {
            const Tokenizer& tokenizer = *tokenizer_;
            import::decode_token_texts(part, tokenizer.vocab_size(),
                                       [&](int32_t id) { return tokenizer.token_bytes(id); }, path);
        }
        try {
            analysis::append_table(table, std::move(part));
        } catch (const std::invalid_argument& e) {
            throw import::TraceError("'" + path + "': " + e.what());
        }
    }
    return table;
}

}  // namespace moe::cli
