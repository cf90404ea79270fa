// One factory per supported `general.architecture`; each lives in its own file.
#pragma once

#include <memory>

#include "models/model_config.h"
#include "models/transformer.h"

namespace moe {

std::unique_ptr<Transformer> make_deepseek2(std::shared_ptr<const gguf::GgufFile> file, ModelConfig config);
std::unique_ptr<Transformer> make_qwen2moe(std::shared_ptr<const gguf::GgufFile> file, ModelConfig config);
std::unique_ptr<Transformer> make_qwen3moe(std::shared_ptr<const gguf::GgufFile> file, ModelConfig config);
std::unique_ptr<Transformer> make_llama(std::shared_ptr<const gguf::GgufFile> file, ModelConfig config);
std::unique_ptr<Transformer> make_olmoe(std::shared_ptr<const gguf::GgufFile> file, ModelConfig config);
std::unique_ptr<Transformer> make_granitemoe(std::shared_ptr<const gguf::GgufFile> file, ModelConfig config);
std::unique_ptr<Transformer> make_ernie4_5_moe(std::shared_ptr<const gguf::GgufFile> file, ModelConfig config);
std::unique_ptr<Transformer> make_glm4moe(std::shared_ptr<const gguf::GgufFile> file, ModelConfig config);
std::unique_ptr<Transformer> make_bailingmoe2(std::shared_ptr<const gguf::GgufFile> file, ModelConfig config);
std::unique_ptr<Transformer> make_gpt_oss(std::shared_ptr<const gguf::GgufFile> file, ModelConfig config);
std::unique_ptr<Transformer> make_llama4(std::shared_ptr<const gguf::GgufFile> file, ModelConfig config);

}  // namespace moe
