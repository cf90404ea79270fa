// The resident memory while decoding: the weights once (the file's pages, or their copy in 2 MiB
// pages), the KV cache and little else (no weight is expanded into the heap). Linux only: reads
// /proc/self/status.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "engine/engine.h"
#include "models/synthetic_model.h"
#include "support/test_support.h"
#include "util/scratch.h"

namespace moe {
namespace {

// AddressSanitizer's shadow memory and quarantine grow the resident set with every allocation
// (181 % of file + KV under MOESCOPE_SANITIZE), so the bound below is meaningless there.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
constexpr bool kAddressSanitizer = __has_feature(address_sanitizer);
#else
constexpr bool kAddressSanitizer = false;
#endif

// A field of /proc/self/status in bytes ("VmRSS:  1234 kB"), or -1 where /proc is missing.
int64_t status_bytes(const std::string& field) {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1)) * 1024;
    return -1;
}
int64_t resident_bytes() { return status_bytes("VmRSS"); }

// Restarts VmHWM, the peak resident set, from the current one; false where the kernel refuses.
bool restart_peak() {
    std::ofstream clear_refs("/proc/self/clear_refs");
    clear_refs << "5";
    clear_refs.flush();
    return static_cast<bool>(clear_refs);
}

class Memory : public ::testing::TestWithParam<WeightMemory> {};

// Weights read through the mapping, or copied into 2 MiB pages with the mapping's pages handed back.
TEST_P(Memory, DecodeResidentSetStaysWithinFileSizePlusKvCachePlusTenPercent) {
    if (resident_bytes() < 0) GTEST_SKIP() << "no /proc/self/status";
    if (kAddressSanitizer) GTEST_SKIP() << "AddressSanitizer build: its shadow memory inflates the resident set";
    SynthOptions options;
    options.arch = "deepseek2";
    options.preset = "small";
    options.type = GgmlType::Q8_0;
    const std::string path = test::temp_dir() + "/memory-small-q8_0.gguf";
    write_synthetic_model(options, path);
    const auto file_bytes = static_cast<int64_t>(std::filesystem::file_size(path));

    const int64_t before = resident_bytes();
    constexpr int kContext = 512, kPrompt = 64, kGenerated = 128;
    int64_t peak = 0, kv_bytes = 0;
    {
        LoadOptions load_options;
        load_options.weights = GetParam();
        const auto model = Model::load(path, load_options);
        EXPECT_EQ(model->info().weights_in_huge_pages, GetParam() == WeightMemory::HugePages);
        kv_bytes = model->info().kv_bytes_per_token * kContext;
        SessionOptions session_options;
        session_options.n_ctx = kContext;
        session_options.n_threads = 2;
        Session session(model, session_options);
        std::vector<int32_t> prompt(kPrompt);
        for (int i = 0; i < kPrompt; ++i) prompt[i] = (i * 37) % model->info().n_vocab;
        std::vector<float> logits = session.evaluate(prompt, false);
        // The prompt's pass kept at most 1/12 of the file in scratch (ScratchRelease hands back
        // more than that); decode keeps its own.
        EXPECT_LE(ScratchBuffer::bytes_on_this_thread(), static_cast<size_t>(file_bytes / 12));
        // The peak within each step, not just the resident set between steps, where the kernel
        // lets us restart the high-water mark.
        const bool exact_peak = restart_peak();
        for (int i = 0; i < kGenerated; ++i) {
            const auto best = std::max_element(logits.begin(), logits.end());
            const int32_t token = static_cast<int32_t>(best - logits.begin());
            logits = session.evaluate({token}, false);
            peak = std::max(peak, exact_peak ? status_bytes("VmHWM") : resident_bytes());
        }
        EXPECT_GT(ScratchBuffer::bytes_on_this_thread(), 0u);
    }
    const int64_t growth = peak - before;
    std::cout << "model file " << file_bytes / 1e6 << " MB, KV cache " << kv_bytes / 1e6 << " MB, resident growth "
              << growth / 1e6 << " MB during decode (" << 100.0 * growth / (file_bytes + kv_bytes) << " % of file + KV)\n";
    RecordProperty("resident_growth_bytes", std::to_string(growth));
    // Measured 51.4 MB, 98 % (mapped) and 52.5 MB, 100 % (2 MiB pages): the rest is the
    // tokenizer's tables and decode's scratch. A copy kept beside the mapped pages would add 100 %.
    EXPECT_LE(growth, (file_bytes + kv_bytes) * 110 / 100);
    // The load touches every page of the weights (or copies them), so the file shows up in the
    // resident set: the measurement sees the weights (a test that could not tell would prove nothing).
    EXPECT_GE(growth, file_bytes * 9 / 10);
}

INSTANTIATE_TEST_SUITE_P(WeightMemory, Memory, ::testing::Values(WeightMemory::FileMapping, WeightMemory::HugePages),
                         [](const ::testing::TestParamInfo<WeightMemory>& info) {
                             return info.param == WeightMemory::HugePages ? std::string("HugePages") : std::string("FileMapping");
                         });

}  // namespace
}  // namespace moe
