// Bad model files get a message naming the file, the tensor and what was expected.
#include <gtest/gtest.h>

#include <fstream>

#include "engine/engine.h"
#include "model_files.h"
#include "support/test_support.h"

namespace moe {
namespace {

std::string load_error(const std::string& path) {
    try {
        Model::load(path);
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

void expect_contains(const std::string& text, const std::string& part) {
    EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' not in: " << text;
}

TEST(LoaderErrors, WrongShapeNamesTensorAndBothShapes) {
    const std::string good = test::synth_model("olmoe");
    const std::string bad = test::rewrite_model(good, "bad-shape.gguf", [](gguf::GgufWriter&, auto& tensors) {
        for (auto& t : tensors)
            if (t.name == "blk.1.ffn_gate_exps.weight") {
                t.ne = {256, 16, 16};  // was [256, 32, 8]
            }
    });
    const std::string message = load_error(bad);
    expect_contains(message, "bad-shape.gguf");
    expect_contains(message, "blk.1.ffn_gate_exps.weight");
    expect_contains(message, "[256, 16, 16]");
    expect_contains(message, "expected [256, 32, 8]");
}

TEST(LoaderErrors, UnsupportedQuantTypeNamesTensorAndType) {
    const std::string good = test::synth_model("qwen3moe");
    const std::string bad = test::rewrite_model(good, "iq.gguf", [](gguf::GgufWriter&, auto& tensors) {
        for (auto& t : tensors)
            if (t.name == "blk.0.attn_q.weight") {
                t.type = GgmlType::IQ2_XXS;                        // 66 bytes per 256 values
                t.data.assign(66 * (t.ne[0] / 256) * t.ne[1], 0);  // [256, 128]
            }
    });
    const std::string message = load_error(bad);
    expect_contains(message, "blk.0.attn_q.weight");
    expect_contains(message, "iq2_xxs");
    expect_contains(message, "cannot compute");
}

TEST(LoaderErrors, MissingTensorAndUnknownArchitecture) {
    const std::string good = test::synth_model("llama");
    const std::string missing = test::rewrite_model(good, "missing.gguf", [](gguf::GgufWriter&, auto& tensors) {
        tensors.erase(std::remove_if(tensors.begin(), tensors.end(),
                                     [](const auto& t) { return t.name == "blk.2.ffn_down_exps.weight"; }),
                      tensors.end());
    });
    expect_contains(load_error(missing), "required tensor 'blk.2.ffn_down_exps.weight' is missing");

    const std::string unknown = test::rewrite_model(good, "unknown.gguf", [](gguf::GgufWriter& w, auto&) {
        w.set("general.architecture", gguf::Value::str("jamba"));
    });
    expect_contains(load_error(unknown), "architecture 'jamba' is not supported");
}

TEST(LoaderErrors, BadHyperParametersAreRejectedBeforeUse) {
    const std::string good = test::synth_model("deepseek2");
    const std::string bad = test::rewrite_model(good, "huge.gguf", [](gguf::GgufWriter& w, auto&) {
        w.set("deepseek2.block_count", gguf::Value::u32(4000000000u));
    });
    expect_contains(load_error(bad), "deepseek2.block_count");
    const std::string too_many_used = test::rewrite_model(good, "k.gguf", [](gguf::GgufWriter& w, auto&) {
        w.set("deepseek2.expert_used_count", gguf::Value::u32(99));
    });
    expect_contains(load_error(too_many_used), "expert_used_count");
}

TEST(LoaderErrors, TruncatedFileNamesTheFile) {
    const std::string good = test::synth_model("qwen2moe");
    const std::string data = test::read_file(good);
    const std::string truncated = test::temp_dir() + "/truncated.gguf";
    std::ofstream(truncated, std::ios::binary).write(data.data(), static_cast<std::streamsize>(data.size() / 2));
    const std::string message = load_error(truncated);
    expect_contains(message, "truncated.gguf");
    EXPECT_FALSE(message.empty());
}

TEST(LoaderErrors, ProgressCanCancelTheLoad) {
    const std::string good = test::synth_model("deepseek2");
    LoadOptions options;
    float last = 0;
    options.progress = [&](float p) {
        last = p;
        return p < 0.5f;
    };
    EXPECT_THROW(Model::load(good, options), Cancelled);
    EXPECT_GE(last, 0.5f);
}

}  // namespace
}  // namespace moe

namespace moe {
namespace {

// Writes `source` as llama.cpp's gguf-split would: metadata in the first shard, the tensors
// spread over `shards` files named <prefix>-0000i-of-0000n.gguf. Returns the first shard's path.
std::string split_model(const std::string& source, int shards) {
    const auto file = gguf::GgufFile::open(source);
    const std::string prefix = test::temp_dir() + "/split";
    const size_t per_shard = (file->tensors().size() + shards - 1) / shards;
    for (int s = 0; s < shards; ++s) {
        gguf::GgufWriter writer;
        if (s == 0)
            for (const auto& [key, value] : file->metadata()) writer.set(key, value);
        writer.set("split.no", gguf::Value::u16(static_cast<uint16_t>(s)));
        writer.set("split.count", gguf::Value::u16(static_cast<uint16_t>(shards)));
        writer.set("split.tensors.count", gguf::Value::i32(static_cast<int32_t>(file->tensors().size())));
        for (size_t i = s * per_shard; i < std::min(file->tensors().size(), (s + 1) * per_shard); ++i) {
            const auto& t = file->tensors()[i];
            writer.add_tensor(t.name, t.type, std::vector<int64_t>(t.ne, t.ne + t.n_dims),
                              std::vector<uint8_t>(t.data, t.data + t.nbytes));
        }
        char name[64];
        std::snprintf(name, sizeof name, "-%05d-of-%05d.gguf", s + 1, shards);
        writer.write(prefix + name);
    }
    return prefix + "-00001-of-" + (shards < 10 ? "0000" : "000") + std::to_string(shards) + ".gguf";
}

TEST(SplitModels, ShardsLoadLikeTheWholeFile) {
    const std::string whole = test::synth_model("qwen2moe", GgmlType::Q8_0);
    const std::string first = split_model(whole, 3);
    const auto a = Model::load(whole);
    const auto b = Model::load(first);
    EXPECT_EQ(a->info().params_total, b->info().params_total);
    EXPECT_GT(b->info().file_size, a->info().file_size / 2);
    Session sa(a), sb(b);
    EXPECT_EQ(sa.evaluate({1, 40, 50, 60}, true), sb.evaluate({1, 40, 50, 60}, true));
}

// Weights copied into 2 MiB pages (each shard's tensors moved with it) compute what the mapped
// file computes, bit for bit.
TEST(SplitModels, ShardsCopiedIntoHugePagesRunAsMapped) {
    const std::string first = split_model(test::synth_model("deepseek2", GgmlType::Q8_0), 3);
    LoadOptions mapped, copied;
    mapped.weights = WeightMemory::FileMapping;
    copied.weights = WeightMemory::HugePages;
    const auto a = Model::load(first, mapped);
    const auto b = Model::load(first, copied);
    EXPECT_FALSE(a->info().weights_in_huge_pages);
    EXPECT_TRUE(b->info().weights_in_huge_pages);
    Session sa(a), sb(b);
    EXPECT_EQ(sa.evaluate({1, 40, 50, 60}, true), sb.evaluate({1, 40, 50, 60}, true));
}

TEST(SplitModels, MissingShardIsNamed) {
    const std::string first = split_model(test::synth_model("olmoe"), 3);
    const std::string second = first.substr(0, first.size() - std::string("-00001-of-00003.gguf").size()) +
                               "-00002-of-00003.gguf";
    std::remove(second.c_str());
    const std::string message = load_error(first);
    EXPECT_NE(message.find("-00002-of-00003.gguf: cannot open"), std::string::npos) << message;
    const std::string third = first.substr(0, first.size() - std::string("-00001-of-00003.gguf").size()) +
                              "-00003-of-00003.gguf";
    EXPECT_NE(load_error(third).find("open the first shard"), std::string::npos) << load_error(third);
}

}  // namespace
}  // namespace moe
