#include "model_files.h"

#include "support/test_support.h"

namespace moe::test {

std::string synth_model(const std::string& arch, GgmlType type, uint64_t seed, bool legacy_kv_b) {
    SynthOptions options;
    options.arch = arch;
    options.preset = "tiny";
    options.type = type;
    options.seed = seed;
    options.legacy_kv_b = legacy_kv_b;
    const std::string path = temp_dir() + "/" + arch + ".gguf";
    write_synthetic_model(options, path);
    return path;
}

std::string rewrite_model(const std::string& source, const std::string& file_name,
                          const std::function<void(gguf::GgufWriter&, std::vector<TensorCopy>&)>& edit) {
    const auto file = gguf::GgufFile::open(source);
    gguf::GgufWriter writer;
    for (const auto& [key, value] : file->metadata())
        if (key != "general.alignment") writer.set(key, value);
    std::vector<TensorCopy> tensors;
    for (const auto& t : file->tensors())
        tensors.push_back({t.name, t.type, std::vector<int64_t>(t.ne, t.ne + t.n_dims),
                           std::vector<uint8_t>(t.data, t.data + t.nbytes)});
    edit(writer, tensors);
    for (auto& t : tensors) writer.add_tensor(t.name, t.type, t.ne, std::move(t.data));
    const std::string path = temp_dir() + "/" + file_name;
    writer.write(path);
    return path;
}

GenerationRequest greedy_request(const std::string& prompt, int n) {
    GenerationRequest request;
    request.prompt = prompt;
    request.max_new_tokens = n;
    request.stop_at_eos = false;
    return request;
}

}  // namespace moe::test
