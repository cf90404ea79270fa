#include "models/architectures.h"

#include <string_view>

#include "gguf/gguf_file.h"
#include "models/metadata_reader.h"

namespace moe {

namespace {

struct Architecture {
    std::string_view name;
    std::unique_ptr<Transformer> (*make)(std::shared_ptr<const gguf::GgufFile>, ModelConfig);
};

constexpr Architecture kArchitectures[] = {
    {"deepseek2", make_deepseek2}, {"qwen2moe", make_qwen2moe}, {"qwen3moe", make_qwen3moe},
    {"llama", make_llama},         {"olmoe", make_olmoe},       {"granitemoe", make_granitemoe},
    {"ernie4_5-moe", make_ernie4_5_moe}, {"glm4moe", make_glm4moe},     {"bailingmoe2", make_bailingmoe2},
    {"gpt-oss", make_gpt_oss},          {"llama4", make_llama4},
};

}  // namespace

std::unique_ptr<Transformer> Transformer::create(std::shared_ptr<const gguf::GgufFile> file,
                                                 const LoadOptions& options) {
    const std::string name = file->get_string(key_name(MetaKey::Architecture, "")).value_or("");
    for (const auto& arch : kArchitectures) {
        if (arch.name != name) continue;
        std::unique_ptr<Transformer> model = arch.make(file, read_common_config(*file));
        model->load(options);
        return model;
    }
    std::string known;
    for (const auto& arch : kArchitectures) known += (known.empty() ? "" : ", ") + std::string(arch.name);
    if (name.empty()) MetadataReader(*file, "").fail(MetaKey::Architecture, "is missing");
    throw EngineError(file->path() + ": architecture '" + name + "' is not supported (supported: " + known + ")");
}

}  // namespace moe
