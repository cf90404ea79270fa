// Every option range-checked before any work, with one line naming the allowed range
// (issue 13, findings 2, 6 and 7). Messages are written out by hand.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <thread>

#include <sys/stat.h>

#include "arguments.h"
#include "cli.h"
#include "option_checks.h"
#include "support/test_support.h"

namespace moe::cli {
namespace {

const std::set<std::string> kValued = {"--threads", "--temp", "--top-k", "--top-p", "--seed", "--experts",
                                       "--disable-expert", "--ctx", "--routing-csv", "--json"};
const std::set<std::string> kSwitches = {"--dense", "--ctx-override"};

Arguments parse(const std::vector<std::string>& args) { return Arguments(args, 0, kValued, kSwitches); }

// What a check throws, or "accepted".
template <typename Check>
std::string message(Check check) {
    try {
        check();
        return "accepted";
    } catch (const UsageError& e) {
        return e.what();
    }
}

// Blocks 0..3, block 0 dense: MoE layers 1, 2, 3; 8 experts, top-2; trained on 512 positions.
ModelInfo model() {
    ModelInfo m;
    m.n_layer = 4;
    m.n_expert = 8;
    m.n_expert_used = 2;
    m.moe_layers = {1, 2, 3};
    m.n_ctx_train = 512;
    return m;
}

std::string overrides(const std::vector<std::string>& args, const ModelInfo& m = model()) {
    return message([&] { routing_overrides(parse(args), m); });
}

TEST(OptionChecks, Threads) {
    const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const std::string allowed = "(allowed: 1 to " + std::to_string(4 * hw) + ", 4 x " + std::to_string(hw) +
                                " hardware threads)";
    EXPECT_EQ(message([] { thread_count(parse({"--threads", "1000"})); }), "--threads 1000 is out of range " + allowed);
    EXPECT_EQ(message([] { thread_count(parse({"--threads", "0"})); }), "--threads 0 is out of range " + allowed);
    EXPECT_EQ(message([] { thread_count(parse({"--threads", "-2"})); }), "--threads -2 is out of range " + allowed);
    EXPECT_EQ(thread_count(parse({"--threads", std::to_string(4 * hw)})), 4 * hw);
    EXPECT_EQ(thread_count(parse({"--threads", "1"})), 1);
    EXPECT_EQ(thread_count(parse({})), 0) << "absent: all cores";
    EXPECT_EQ(message([] { thread_count(parse({"--threads", "99999999999"})); }),
              "option --threads 99999999999 does not fit in a 32-bit integer");
}

TEST(OptionChecks, Sampling) {
    EXPECT_EQ(message([] { sampling_options(parse({"--temp", "-1"})); }),
              "--temp -1 is out of range (allowed: 0 or more)");
    EXPECT_EQ(message([] { sampling_options(parse({"--temp", "nan"})); }),
              "--temp nan is out of range (allowed: 0 or more)");
    EXPECT_EQ(message([] { sampling_options(parse({"--temp", "inf"})); }),
              "--temp inf is out of range (allowed: 0 or more)");
    EXPECT_EQ(message([] { sampling_options(parse({"--top-p", "2"})); }),
              "--top-p 2 is out of range (allowed: more than 0, up to 1)");
    EXPECT_EQ(message([] { sampling_options(parse({"--top-p", "0"})); }),
              "--top-p 0 is out of range (allowed: more than 0, up to 1)");
    EXPECT_EQ(message([] { sampling_options(parse({"--top-k", "-1"})); }),
              "--top-k -1 is out of range (allowed: 0 or more)");
    const SamplingParams ok = sampling_options(parse({"--temp", "0.5", "--top-p", "1", "--top-k", "0", "--seed", "7"}));
    EXPECT_EQ(ok.temperature, 0.5f);
    EXPECT_EQ(ok.top_p, 1.0f);
    EXPECT_EQ(ok.top_k, 0);
    EXPECT_EQ(ok.seed, 7u);
}

TEST(OptionChecks, ExpertsAgainstTheModel) {
    EXPECT_EQ(overrides({"--experts", "1000"}), "--experts 1000 is out of range (allowed: 1 to 8, the model's experts)");
    EXPECT_EQ(overrides({"--experts", "0"}), "--experts 0 is out of range (allowed: 1 to 8, the model's experts)");
    EXPECT_EQ(routing_overrides(parse({"--experts", "8"}), model()).top_k, 8);
    ModelInfo dense = model();
    dense.n_expert = 0;
    dense.n_expert_used = 0;
    dense.moe_layers.clear();
    EXPECT_EQ(overrides({"--experts", "2"}, dense), "--experts 2 is out of range (allowed: none: the model has no experts)");
}

TEST(OptionChecks, DisabledExpertsAgainstTheModel) {
    EXPECT_EQ(overrides({"--disable-expert", "99:99"}),
              "--disable-expert 99:99: layer 99 is not a MoE layer (allowed: 1 to 3)");
    EXPECT_EQ(overrides({"--disable-expert", "0:1"}), "--disable-expert 0:1: layer 0 is not a MoE layer (allowed: 1 to 3)");
    EXPECT_EQ(overrides({"--disable-expert", "2:8"}),
              "--disable-expert 2:8: expert 8 is out of range (allowed: 0 to 7)");
    EXPECT_EQ(overrides({"--disable-expert", "2:-1"}),
              "--disable-expert 2:-1: expert -1 is out of range (allowed: 0 to 7)");
    EXPECT_EQ(overrides({"--disable-expert", "2"}), "--disable-expert expects LAYER:EXPERT, got '2'");
    EXPECT_EQ(overrides({"--disable-expert", "2:x"}), "--disable-expert expects LAYER:EXPERT, got '2:x'");
    EXPECT_EQ(overrides({"--disable-expert", ":3"}), "--disable-expert expects LAYER:EXPERT, got ':3'");
    EXPECT_EQ(overrides({"--disable-expert", "2:99999999999"}), "--disable-expert expects LAYER:EXPERT, got '2:99999999999'");
    ModelInfo gapped = model();
    gapped.moe_layers = {1, 3};
    EXPECT_EQ(overrides({"--disable-expert", "2:0"}, gapped),
              "--disable-expert 2:0: layer 2 is not a MoE layer (allowed: 1, 3)");
    // Top-2 of 8: layer 3 may lose six experts, not seven.
    std::vector<std::string> six;
    for (int e = 0; e < 6; ++e) six.insert(six.end(), {"--disable-expert", "3:" + std::to_string(e)});
    const RoutingOverrides kept = routing_overrides(parse(six), model());
    EXPECT_EQ(kept.disabled.size(), 6u);
    EXPECT_TRUE(kept.disabled.count({3, 5}));
    auto seven = six;
    seven.insert(seven.end(), {"--disable-expert", "3:6"});
    EXPECT_EQ(overrides(seven), "--disable-expert: layer 3 keeps 1 of 8 experts, fewer than the 2 it routes each token to");
}

TEST(OptionChecks, ContextUpToTheTrainingContext) {
    std::ostringstream err;
    EXPECT_EQ(message([&] { context_length(parse({"--ctx", "513"}), model(), err); }),
              "--ctx 513 is out of range (allowed: 1 to 512, the training context; --ctx-override allows more)");
    EXPECT_EQ(message([&] { context_length(parse({"--ctx", "0"}), model(), err); }),
              "--ctx 0 is out of range (allowed: 1 to 512, the training context; --ctx-override allows more)");
    EXPECT_EQ(context_length(parse({"--ctx", "512"}), model(), err), 512);
    EXPECT_EQ(err.str(), "");
    EXPECT_EQ(context_length(parse({"--ctx", "2048", "--ctx-override"}), model(), err), 2048);
    EXPECT_EQ(err.str(), "warning: --ctx 2048 is beyond the model's training context 512; output past it is unreliable\n");
    EXPECT_EQ(context_length(parse({}), model(), err), 0);
}

TEST(OptionChecks, OutputPaths) {
    const std::string dir = test::temp_dir();
    auto check = [](const std::vector<std::string>& args) {
        return message([&] { check_output_paths(parse(args), {"--routing-csv", "--json"}); });
    };
    EXPECT_EQ(check({"--routing-csv", dir}), "--routing-csv: cannot write '" + dir + "': it is a folder");
    EXPECT_EQ(check({"--json", dir + "/sub/"}), "--json: cannot write '" + dir + "/sub/': it is a folder");
    EXPECT_EQ(check({"--json", dir + "/no/such/x.json"}),
              "--json: cannot write '" + dir + "/no/such/x.json': folder '" + dir + "/no/such' does not exist");
    EXPECT_EQ(check({"--routing-csv", "/proc/x.csv"}),
              "--routing-csv: cannot write '/proc/x.csv': folder '/proc' takes no new files: No such file or directory");
    // A FIFO, not /dev/null: were the check to fail, the write would replace the path with a file.
    const std::string fifo = dir + "/pipe";
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_EQ(check({"--routing-csv", fifo}), "--routing-csv: cannot write '" + fifo + "': it is not a regular file");
    std::filesystem::remove(fifo);
    EXPECT_EQ(check({"--routing-csv", dir + "/ok.csv", "--json", dir + "/ok.json"}), "accepted");
    EXPECT_TRUE(std::filesystem::is_empty(dir)) << "the check leaves no file behind";
}

}  // namespace
}  // namespace moe::cli
