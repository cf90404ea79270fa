// info, tokenize and synth: commands that look at or write model files without generating.
#include <cctype>
#include <cstdio>
#include <optional>
#include <ostream>

#include "commands.h"
#include "engine/engine.h"
#include "models/synthetic_model.h"
#include "option_checks.h"
#include "quant/quant.h"
#include "tokenizer/tokenizer.h"

namespace moe::cli {

namespace {

const std::map<std::string, std::string> kModelAlias = {{"-m", "--model"}, {"-p", "--prompt"}, {"-o", "--output"}};

std::string shortest_number(float v) {  // 2.5, not std::to_string's 2.500000
    char text[32];
    std::snprintf(text, sizeof text, "%g", v);
    return text;
}

std::string lower_case(std::string s) {
    for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}

// ggml's spelling ("q4_K") in any letter case.
std::optional<GgmlType> parse_type(const std::string& name) {
    for (uint32_t id = 0; id < 64; ++id)
        if (type_traits(id) && lower_case(type_name(id)) == lower_case(name)) return static_cast<GgmlType>(id);
    return std::nullopt;
}

}  // namespace

int info_command(const std::vector<std::string>& args, std::ostream& out) {
    Arguments arguments(args, 1, {"--model"}, {}, kModelAlias);
    if (!arguments.positional().empty()) throw UsageError("unexpected argument '" + arguments.positional()[0] + "'");
    const auto model = Model::load(model_path(arguments));
    const ModelInfo& i = model->info();
    out << "file:          " << i.path << " (" << human_bytes(static_cast<double>(i.file_size)) << ")\n";
    out << "name:          " << i.name << "\n";
    out << "architecture:  " << i.architecture << "\n";
    out << "layers:        " << i.n_layer << " (" << i.moe_layers.size() << " MoE, " << i.n_layer - i.moe_layers.size()
        << " dense)\n";
    out << "hidden size:   " << i.n_embd << "\n";
    out << "attention:     " << i.attention << "\n";
    out << "blocks:        " << i.blocks << "\n";
    if (!i.multipliers.empty()) out << "multipliers:   " << i.multipliers << "\n";
    out << "experts:       " << i.n_expert << " routed, top-" << i.n_expert_used << ", width " << i.expert_ffn << "\n";
    out << "shared:        " << i.n_expert_shared;
    if (i.n_expert_shared > 0) out << " (fused width " << i.shared_ffn << (i.has_shared_gate ? ", sigmoid-gated" : "") << ")";
    out << "\n";
    out << "gating:        " << i.gating << (i.weights_normalized ? ", top-k renormalised" : "")
        << (i.weights_scale != 1.0f ? ", scaled ×" + shortest_number(i.weights_scale) : "")
        << (i.has_selection_bias ? ", selection bias" : "")
        << (i.n_group > 1 ? ", " + std::to_string(i.n_group) + " groups keep " + std::to_string(i.n_group_used) : "")
        << "\n";
    out << "vocabulary:    " << i.n_vocab << " (" << i.tokenizer << ")\n";
    out << "context:       " << i.n_ctx_train << "\n";
    out << "parameters:    " << human_count(static_cast<double>(i.params_total)) << " total, "
        << human_count(static_cast<double>(i.params_active)) << " active per token ("
        << (i.params_total ? 100.0 * static_cast<double>(i.params_active) / static_cast<double>(i.params_total) : 0.0)
        << "%)\n";
    out << "tensor types:  ";
    bool first = true;
    for (const auto& [type, count] : i.params_by_type) {
        out << (first ? "" : ", ") << type << " " << human_count(static_cast<double>(count));
        first = false;
    }
    out << "\n";
    out << "KV cache:      " << human_bytes(static_cast<double>(i.kv_bytes_per_token)) << " per token (F32); full "
        << "multi-head K/V would take " << human_bytes(static_cast<double>(i.kv_bytes_per_token_mha)) << "\n";
    out << "kernels:       " << quant::active_isa() << "\n";
    out << "weights:       " << weight_placement(i.weights_in_huge_pages);
    if (i.tensors_in_row_groups > 0) out << "; " << i.tensors_in_row_groups << " tensors with rows in groups of 16";
    out << "\n";
    return 0;
}

int tokenize_command(const std::vector<std::string>& args, std::ostream& out) {
    Arguments arguments(args, 1, {"--model", "--prompt"}, {"--no-bos", "--parse-special"}, kModelAlias);
    auto text = arguments.text("--prompt");
    if (!text) throw UsageError("missing -p TEXT");
    const auto model = Model::load(model_path(arguments));
    const Tokenizer& tokenizer = model->tokenizer();
    const auto ids = tokenizer.encode(*text, !arguments.has("--no-bos"), arguments.has("--parse-special"));
    for (int32_t id : ids) out << id << "\t" << escape_piece(tokenizer.token_bytes(id)) << "\n";
    return 0;
}

int synth_command(const std::vector<std::string>& args, std::ostream& out) {
    Arguments arguments(args, 1, {"--arch", "--preset", "--layers", "--type", "--seed", "--output"},
                        {"--list", "--legacy-kv-b"}, kModelAlias);
    if (arguments.has("--list")) {
        for (const auto& p : synthetic_presets()) out << p.arch << "\t" << p.preset << "\t" << p.description << "\n";
        return 0;
    }
    SynthOptions options;
    options.arch = arguments.text("--arch").value_or("deepseek2");
    options.preset = arguments.text("--preset").value_or("tiny");
    options.layers = arguments.integer("--layers", 0);
    options.seed = static_cast<uint64_t>(arguments.integer("--seed", 1));
    options.legacy_kv_b = arguments.has("--legacy-kv-b");
    const std::string type = arguments.text("--type").value_or("f32");
    const auto parsed = parse_type(type);
    if (!parsed || !quant::is_supported(*parsed)) throw UsageError("unsupported --type '" + type + "'");
    options.type = *parsed;
    auto output = arguments.text("--output");
    if (!output) throw UsageError("missing -o FILE");
    check_output_paths(arguments, {"--output"});
    write_synthetic_model(options, *output);
    out << "wrote " << *output << "\n";
    return 0;
}

}  // namespace moe::cli
