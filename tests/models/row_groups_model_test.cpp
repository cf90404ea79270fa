// Q4_K and Q5_0 weights copied at load are stored with their rows in groups of 16 where the kernels
// have them (quant/row_groups.h); the model then computes what the mapped file computes, bit for
// bit: a prompt's tiles and leftover tokens, a decode, and the exact path.
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "engine/engine.h"
#include "model_files.h"
#include "quant/kernel_table.h"

namespace moe {
namespace {

class GroupedModel : public ::testing::TestWithParam<std::tuple<std::string, GgmlType>> {};

TEST_P(GroupedModel, RunsAsTheMappedFile) {
    const auto [arch, type] = GetParam();
    const std::string path = test::synth_model(arch, type);
    LoadOptions mapped, copied;
    mapped.weights = WeightMemory::FileMapping;
    copied.weights = WeightMemory::HugePages;
    const auto a = Model::load(path, mapped);
    const auto b = Model::load(path, copied);
    EXPECT_EQ(a->info().tensors_in_row_groups, 0);
    LoadOptions plain = copied;  // what --exact runs load
    plain.group_rows = false;
    EXPECT_EQ(Model::load(path, plain)->info().tensors_in_row_groups, 0);
    const bool kernels = quant::detail::kernels_for(quant::detail::active_kernels(), type).dot_q8_groups;
    if (kernels) EXPECT_GT(b->info().tensors_in_row_groups, 0);
    else EXPECT_EQ(b->info().tensors_in_row_groups, 0);
    for (bool exact : {false, true}) {
        SessionOptions options;
        options.exact = exact;
        options.n_threads = 2;
        Session sa(a, options), sb(b, options);
        const std::vector<int32_t> prompt{1, 40, 50, 60, 70, 80, 90, 100, 110};
        EXPECT_EQ(sa.evaluate(prompt, true), sb.evaluate(prompt, true)) << "exact " << exact;
        for (int32_t token : {5, 17, 29}) EXPECT_EQ(sa.evaluate({token}, false), sb.evaluate({token}, false)) << "exact " << exact;
    }
}

INSTANTIATE_TEST_SUITE_P(Architectures, GroupedModel,
                         ::testing::Combine(::testing::Values("deepseek2", "qwen3moe", "llama4"),
                                            ::testing::Values(GgmlType::Q4_K, GgmlType::Q5_0)),
                         [](const auto& info) {
                             return std::get<0>(info.param) + "_" + type_name(std::get<1>(info.param));
                         });

}  // namespace
}  // namespace moe
