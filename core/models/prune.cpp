#include "models/prune.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <numeric>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "gguf/gguf_file.h"
#include "models/metadata_keys.h"
#include "models/model_options.h"  // EngineError
#include "models/tensor_names.h"

namespace moe {

namespace {

// Block tensors whose last dimension runs over the routed experts: the weights of these roles
// and their ".bias" siblings.
constexpr TensorRole kPerExpertRoles[] = {TensorRole::FfnGateInp, TensorRole::ExpProbsB, TensorRole::FfnGateExps,
                                          TensorRole::FfnUpExps, TensorRole::FfnDownExps};

bool is_per_expert(const std::string& name, int layer) {
    for (TensorRole role : kPerExpertRoles) {
        const std::string weight = tensor_name(role, layer);
        if (name == weight) return true;
        const auto dot = weight.rfind('.');
        if (name == weight.substr(0, dot) + ".bias") return true;
    }
    return false;
}

int block_index(const std::string& name) {
    static const std::regex pattern(R"(^blk\.(\d+)\.)");
    std::smatch match;
    return std::regex_search(name, match, pattern) ? std::stoi(match[1]) : -1;
}

// The slices of `t` (split along its last dimension into n_expert equal parts) listed in `kept`.
// Copies the kept experts' slices of t, in order, to out when the pruned file is written.
gguf::GgufWriter::TensorFiller slice_experts(const gguf::TensorInfo& t, int n_expert, std::vector<int> kept) {
    return [&t, n_expert, kept = std::move(kept)](uint8_t* out) {
        const uint64_t slice = t.nbytes / static_cast<uint64_t>(n_expert);
        for (int e : kept) out = std::copy(t.data + slice * e, t.data + slice * (e + 1), out);
    };
}

}  // namespace

std::string pruned_kept_experts_key(int layer) { return "moescope.pruned.kept_experts." + std::to_string(layer); }

ExpertLoads read_expert_loads(const std::string& profile_path) {
    std::ifstream in(profile_path);
    if (!in) throw EngineError(profile_path + ": cannot read the profile: " + std::strerror(errno));
    nlohmann::json profile;
    try {
        profile = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception&) {
        throw EngineError(profile_path + ": not valid JSON");
    }
    const auto fail = [&](const std::string& problem) { return EngineError(profile_path + ": " + problem); };
    if (!profile.is_object() || !profile.contains("n_expert") || !profile["n_expert"].is_number_integer())
        throw fail("expected an object with an integer \"n_expert\" (a `moescope-cli profile --json` output)");
    if (!profile.contains("layers") || !profile["layers"].is_array()) throw fail("\"layers\" is missing or not an array");
    ExpertLoads loads;
    loads.n_expert = profile["n_expert"].get<int>();
    for (const auto& layer : profile["layers"]) {
        if (!layer.is_object() || !layer.contains("layer") || !layer["layer"].is_number_integer() ||
            !layer.contains("load") || !layer["load"].is_array())
            throw fail("every entry of \"layers\" needs an integer \"layer\" and a \"load\" array");
        const int index = layer["layer"].get<int>();
        std::vector<double> load;
        for (const auto& v : layer["load"]) {
            if (!v.is_number() || v.get<double>() < 0)
                throw fail("layer " + std::to_string(index) + ": loads must be non-negative numbers");
            load.push_back(v.get<double>());
        }
        if (static_cast<int>(load.size()) != loads.n_expert)
            throw fail("layer " + std::to_string(index) + " has " + std::to_string(load.size()) + " loads for " +
                       std::to_string(loads.n_expert) + " experts");
        loads.by_layer[index] = std::move(load);
    }
    return loads;
}

std::vector<int> most_loaded_experts(const std::vector<double>& load, int keep) {
    std::vector<int> order(load.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return load[a] > load[b]; });
    order.resize(static_cast<size_t>(std::clamp(keep, 0, static_cast<int>(order.size()))));
    std::sort(order.begin(), order.end());
    return order;
}

PruneResult prune_experts(const std::string& model_path, const ExpertLoads& loads, int keep,
                          const std::string& output_path) {
    const auto file = gguf::GgufFile::open_model(model_path);
    const std::string arch_key = key_name(MetaKey::Architecture, {});
    const auto arch = file->get_string(arch_key);
    if (!arch) throw EngineError(model_path + ": metadata key '" + arch_key + "' is missing");
    const std::string count_key = key_name(MetaKey::ExpertCount, *arch);
    const std::string used_key = key_name(MetaKey::ExpertUsedCount, *arch);
    PruneResult result;
    result.n_expert_before = static_cast<int>(file->get_int(count_key).value_or(0));
    result.n_used_before = static_cast<int>(file->get_int(used_key).value_or(0));
    const int n_expert = result.n_expert_before;
    if (n_expert == 0) throw EngineError(model_path + ": the model has no routed experts to prune");
    if (keep < 1 || keep > n_expert)
        throw EngineError("--keep must be between 1 and " + std::to_string(n_expert) + " (the experts of " +
                          model_path + "), got " + std::to_string(keep));
    if (file->get_int(key_name(MetaKey::ExpertGroupCount, *arch)).value_or(0) > 1)
        throw EngineError(model_path + ": the model routes by expert groups; pruning would break the groups");
    if (loads.n_expert != n_expert)
        throw EngineError("the profile counts " + std::to_string(loads.n_expert) + " experts but " + model_path +
                          " has " + std::to_string(n_expert));

    gguf::GgufWriter writer(file->alignment());
    for (const auto& [key, value] : file->metadata())
        if (key != "general.alignment" && key.rfind("split.", 0) != 0) writer.set(key, value);
    result.n_expert_after = keep;
    result.n_used_after = std::min(result.n_used_before, keep);
    writer.set(count_key, gguf::Value::u32(static_cast<uint32_t>(keep)));
    writer.set(used_key, gguf::Value::u32(static_cast<uint32_t>(result.n_used_after)));
    writer.set(kPrunedFromExpertCountKey, gguf::Value::u32(static_cast<uint32_t>(n_expert)));

    for (const gguf::TensorInfo& t : file->tensors()) {
        std::vector<int64_t> ne(t.ne, t.ne + std::max<uint32_t>(t.n_dims, 1));
        const int layer = block_index(t.name);
        if (layer < 0 || !is_per_expert(t.name, layer)) {
            writer.add_streamed_tensor(t.name, t.type, ne, [&t](uint8_t* out) { std::copy(t.data, t.data + t.nbytes, out); });
            continue;
        }
        if (ne.back() != n_expert)
            throw EngineError(model_path + ": tensor '" + t.name + "' " + t.shape_string() +
                              " does not end in the expert count " + std::to_string(n_expert));
        auto layer_loads = loads.by_layer.find(layer);
        if (layer_loads == loads.by_layer.end())
            throw EngineError("the profile has no expert loads for MoE layer " + std::to_string(layer));
        auto [kept, inserted] = result.kept.try_emplace(layer, most_loaded_experts(layer_loads->second, keep));
        if (inserted) {
            writer.set(pruned_kept_experts_key(layer),
                       gguf::Value::i32_array(std::vector<int32_t>(kept->second.begin(), kept->second.end())));
        }
        ne.back() = keep;
        writer.add_streamed_tensor(t.name, t.type, ne, slice_experts(t, n_expert, kept->second));
        ++result.tensors_sliced;
    }
    writer.write(output_path);
    return result;
}

}  // namespace moe
