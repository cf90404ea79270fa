// Exports under hostile conditions (issue 13): the routing CSV is valid UTF-8 whatever bytes
// the tokens hold, a bad option or path stops the run before any work with one line, and an
// interrupted run still reports the speed of the tokens it produced.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <sstream>

#include "cli.h"
#include "engine/engine.h"
#include "support/test_support.h"
#include "tokenizer/utf8.h"
#include "trace/routing_trace.h"

namespace moe {
namespace {

struct Outcome {
    int code;
    std::string out, err;
};

Outcome cli_run(const std::vector<std::string>& args) {
    std::ostringstream out, err;
    const int code = cli::run(args, out, err);
    return {code, out.str(), err.str()};
}

// deepseek2 "tiny": byte-fallback vocabulary, MoE blocks 1 and 2, 8 experts top-2.
const std::string& tiny_model() {
    static const std::string path = [] {
        const std::string p = test::temp_dir() + "/tiny.gguf";
        const Outcome r = cli_run({"synth", "--arch", "deepseek2", "--preset", "tiny", "--type", "f32", "-o", p});
        EXPECT_EQ(r.code, 0) << r.err;
        return p;
    }();
    return path;
}

TEST(RoutingCsvText, InvalidBytesAndBackslashesAreEscaped) {
    EXPECT_EQ(escape_token_text("plain"), "plain");
    EXPECT_EQ(escape_token_text("caf\xC3\xA9 \xE2\x82\xAC"), "caf\xC3\xA9 \xE2\x82\xAC") << "valid UTF-8 stays";
    EXPECT_EQ(escape_token_text("a\\b"), "a\\\\b");
    EXPECT_EQ(escape_token_text("\\x41"), "\\\\x41") << "a literal \\x cannot be mistaken for an escape";
    EXPECT_EQ(escape_token_text("\xE2\x82"), "\\xE2\\x82") << "the first two bytes of the euro sign";
    EXPECT_EQ(escape_token_text("\x96"), "\\x96") << "a lone continuation byte";
    EXPECT_EQ(escape_token_text("\xC0\x80"), "\\xC0\\x80") << "an overlong NUL";
    EXPECT_EQ(escape_token_text("\xFFok"), "\\xFFok");
}

TEST(RoutingCsvText, TheFileIsStrictUtf8) {
    // "Hi" is BOS, "▁" as the three byte tokens E2 96 81, then H and i.
    const std::string path = test::temp_dir() + "/bytes.csv";
    const Outcome r = cli_run({"run", "-m", tiny_model(), "-p", "Hi", "-n", "1", "--routing-csv", path});
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string csv = test::read_file(path);
    EXPECT_TRUE(utf8::is_valid(csv));
    EXPECT_NE(csv.find("\n1,1,229,\\xE2,1,0,"), std::string::npos) << csv;
    EXPECT_NE(csv.find("\n2,2,153,\\x96,1,0,"), std::string::npos) << csv;
    EXPECT_NE(csv.find("\n3,3,132,\\x81,1,0,"), std::string::npos) << csv;
}

TEST(HostileRun, BadOptionsAndPathsStopBeforeAnyWork) {
    const std::string dir = test::temp_dir();
    const struct {
        std::vector<std::string> extra;
        std::string message;
    } cases[] = {
        {{"--temp", "-1"}, "--temp -1 is out of range (allowed: 0 or more)"},
        {{"--top-p", "2"}, "--top-p 2 is out of range (allowed: more than 0, up to 1)"},
        {{"--experts", "1000"}, "--experts 1000 is out of range (allowed: 1 to 8, the model's experts)"},
        {{"--disable-expert", "99:99"}, "--disable-expert 99:99: layer 99 is not a MoE layer (allowed: 1 to 2)"},
        {{"--disable-expert", "1:8"}, "--disable-expert 1:8: expert 8 is out of range (allowed: 0 to 7)"},
        {{"--routing-csv", dir}, "--routing-csv: cannot write '" + dir + "': it is a folder"},
        {{"--json", "/proc/x.json"},
         "--json: cannot write '/proc/x.json': folder '/proc' takes no new files: No such file or directory"},
    };
    for (const auto& c : cases) {
        std::vector<std::string> args = {"run", "-m", tiny_model(), "-p", "x", "-n", "2"};
        args.insert(args.end(), c.extra.begin(), c.extra.end());
        const Outcome r = cli_run(args);
        EXPECT_EQ(r.code, 2) << c.message;
        EXPECT_EQ(r.err, "moescope-cli run: " + c.message + "\n");
        EXPECT_EQ(r.out, "") << "nothing was generated";
    }
    EXPECT_TRUE(std::filesystem::is_empty(dir)) << "no stray file";
}

TEST(HostileRun, ContextBeyondTrainingNeedsTheOverride) {
    const Outcome refused = cli_run({"run", "-m", tiny_model(), "-p", "x", "-n", "1", "--ctx", "1000000"});
    EXPECT_EQ(refused.code, 2);
    EXPECT_NE(refused.err.find("--ctx 1000000 is out of range (allowed: 1 to "), std::string::npos) << refused.err;
}

// Finding 9: a cancelled run reported 0 tok/s because decode_ms was only set on success.
TEST(HostileRun, InterruptedRunKeepsTheDecodeTimeOfItsTokens) {
    Session session(Model::load(tiny_model()));
    GenerationRequest request;
    request.prompt = "Hi";
    request.max_new_tokens = 20;
    request.stop_at_eos = false;
    std::atomic<bool> cancel{false};
    GenerationEvents events;
    // The first generated token's evaluation completes, then the run is cancelled.
    events.on_trace = [&](const TokenTrace& t) {
        if (!t.is_prompt) cancel = true;
    };
    const GenerationResult result = session.generate(request, events, &cancel);
    EXPECT_TRUE(result.cancelled);
    EXPECT_EQ(result.generated_tokens.size(), 2u) << "sampled: the first token, then the one after its evaluation";
    EXPECT_GT(result.decode_ms, 0.0) << "one evaluated token took some time";
}

}  // namespace
}  // namespace moe
