// The bundled demo model (resources/models/demo-moe.gguf) against the PyTorch reference that
// tools/train_demo_model.py wrote next to it (demo-moe-reference.json): same token ids, same
// routing, logits within F16-weight / F32-math tolerance, same greedy continuation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/demo_model.h"
#include "engine/engine.h"
#include "model_files.h"
#include "support/test_support.h"
#include "tokenizer/tokenizer.h"

namespace moe {
namespace {

constexpr double kProbTolerance = 1e-4;   // router probabilities and expert weights
constexpr double kLogitTolerance = 2e-3;  // both sides compute in F32 on the same F16 weights
constexpr double kNearTie = 1e-4;         // k-th vs (k+1)-th prob: either expert may win
constexpr double kGreedyMargin = 1e-2;    // top-1 vs top-2 logit below this may flip

// Just enough JSON for the reference file: objects, arrays, strings, numbers, literals.
struct Json {
    enum class Kind { Null, Bool, Number, String, Array, Object } kind = Kind::Null;
    double number = 0;
    bool boolean = false;
    std::string text;
    std::vector<Json> items;
    std::map<std::string, Json> fields;

    const Json& operator[](const std::string& key) const {
        const auto it = fields.find(key);
        if (it == fields.end()) throw std::runtime_error("reference JSON: missing key " + key);
        return it->second;
    }
    const Json& operator[](size_t i) const { return items.at(i); }
    size_t size() const { return items.size(); }
    int as_int() const { return static_cast<int>(number); }

    static Json parse(const std::string& source) {
        size_t pos = 0;
        Json value = parse_value(source, pos);
        skip_space(source, pos);
        if (pos != source.size()) throw std::runtime_error("reference JSON: trailing characters");
        return value;
    }

private:
    static void skip_space(const std::string& s, size_t& pos) {
        while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\n' || s[pos] == '\r' || s[pos] == '\t')) ++pos;
    }

    static void expect(const std::string& s, size_t& pos, char c) {
        skip_space(s, pos);
        if (pos >= s.size() || s[pos] != c) throw std::runtime_error(std::string("reference JSON: expected ") + c);
        ++pos;
    }

    static void append_utf8(std::string& out, uint32_t cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    static std::string parse_string(const std::string& s, size_t& pos) {
        expect(s, pos, '"');
        std::string out;
        while (pos < s.size() && s[pos] != '"') {
            if (s[pos] != '\\') {
                out += s[pos++];
                continue;
            }
            const char e = s.at(pos + 1);
            pos += 2;
            switch (e) {
                case 'n': out += '\n'; break;
                case 't': out += '\t'; break;
                case 'r': out += '\r'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'u': {
                    uint32_t cp = std::stoul(s.substr(pos, 4), nullptr, 16);
                    pos += 4;
                    if (cp >= 0xD800 && cp < 0xDC00 && s.compare(pos, 2, "\\u") == 0) {  // surrogate pair
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (std::stoul(s.substr(pos + 2, 4), nullptr, 16) - 0xDC00);
                        pos += 6;
                    }
                    append_utf8(out, cp);
                    break;
                }
                default: out += e;  // \" \\ \/
            }
        }
        ++pos;
        return out;
    }

    static Json parse_value(const std::string& s, size_t& pos) {
        skip_space(s, pos);
        Json v;
        const char c = s.at(pos);
        if (c == '{') {
            v.kind = Kind::Object;
            ++pos;
            skip_space(s, pos);
            if (s.at(pos) == '}') return ++pos, v;
            do {
                std::string key = parse_string(s, pos);
                expect(s, pos, ':');
                v.fields.emplace(std::move(key), parse_value(s, pos));
                skip_space(s, pos);
            } while (s.at(pos++) == ',');
        } else if (c == '[') {
            v.kind = Kind::Array;
            ++pos;
            skip_space(s, pos);
            if (s.at(pos) == ']') return ++pos, v;
            do {
                v.items.push_back(parse_value(s, pos));
                skip_space(s, pos);
            } while (s.at(pos++) == ',');
        } else if (c == '"') {
            v.kind = Kind::String;
            v.text = parse_string(s, pos);
        } else if (s.compare(pos, 4, "true") == 0 || s.compare(pos, 5, "false") == 0) {
            v.kind = Kind::Bool;
            v.boolean = c == 't';
            pos += v.boolean ? 4 : 5;
        } else if (s.compare(pos, 4, "null") == 0) {
            pos += 4;
        } else {
            v.kind = Kind::Number;
            size_t used = 0;
            v.number = std::stod(s.substr(pos, 40), &used);
            pos += used;
        }
        return v;
    }
};

std::vector<int32_t> ids_of(const Json& array) {
    std::vector<int32_t> ids;
    for (const Json& item : array.items) ids.push_back(item.as_int());
    return ids;
}

// The demo model the front ends open (MOESCOPE_DEMO_MODEL or the source tree's), and its reference.
class DemoModelTest : public testing::Test {
protected:
    static void SetUpTestSuite() {
        const std::string path = demo_model_path();
        const std::string reference_path = path.substr(0, path.size() - 5) + "-reference.json";
        if (!std::filesystem::exists(path) || !std::filesystem::exists(reference_path)) return;
        model_ = Model::load(path);
        reference_ = std::make_unique<Json>(Json::parse(test::read_file(reference_path)));
    }
    static void TearDownTestSuite() {
        model_.reset();
        reference_.reset();
    }
    void SetUp() override {
        if (!model_) GTEST_SKIP() << "demo model or its reference not found at " << demo_model_path();
    }

    static std::shared_ptr<const Model> model_;
    static std::unique_ptr<Json> reference_;
};

std::shared_ptr<const Model> DemoModelTest::model_;
std::unique_ptr<Json> DemoModelTest::reference_;

TEST_F(DemoModelTest, DescribesTheTrainedArchitecture) {
    const ModelInfo& info = model_->info();
    EXPECT_EQ(info.architecture, "deepseek2");
    EXPECT_EQ(info.n_vocab, (*reference_)["n_vocab"].as_int());
    EXPECT_EQ(info.n_expert, (*reference_)["n_expert"].as_int());
    EXPECT_EQ(info.n_expert_used, (*reference_)["n_expert_used"].as_int());
    EXPECT_EQ(info.n_leading_dense, 1);
    EXPECT_EQ(info.gating, "softmax");
    EXPECT_FALSE(info.weights_normalized);
    EXPECT_FLOAT_EQ(info.weights_scale, 1.0f);
    EXPECT_EQ(model_->tokenizer().model_name(), "llama");
}

TEST_F(DemoModelTest, TokenizerMatchesSentencePiece) {
    const Tokenizer& tokenizer = model_->tokenizer();
    for (const Json& prompt : (*reference_)["prompts"].items) {
        const std::string& text = prompt["prompt"].text;
        const std::vector<int32_t> expected = ids_of(prompt["tokens"]);
        EXPECT_EQ(tokenizer.encode(text, true, false), expected) << prompt["domain"].text;
        ASSERT_EQ(expected.front(), tokenizer.bos_id());
        // decode() renders control tokens such as <s> as text, so round-trip the ids after BOS
        EXPECT_EQ(tokenizer.decode({expected.begin() + 1, expected.end()}), text) << prompt["domain"].text;
    }
}

TEST_F(DemoModelTest, LogitsAndRoutingMatchPyTorch) {
    const int vocab = model_->info().n_vocab;
    const size_t k = static_cast<size_t>(model_->info().n_expert_used);
    double worst_logit = 0, worst_prob = 0;
    for (const Json& prompt : (*reference_)["prompts"].items) {
        const std::string& domain = prompt["domain"].text;
        Session session(model_);
        test::RecordingObserver observer;
        const std::vector<float> logits = session.evaluate(ids_of(prompt["tokens"]), true, &observer);
        const Json& positions = prompt["positions"];
        ASSERT_EQ(observer.traces.size(), positions.size()) << domain;
        for (size_t pos = 0; pos < positions.size(); ++pos) {
            const Json& expected = positions[pos];
            const TokenTrace& trace = observer.traces[pos];
            const std::string where = domain + " pos " + std::to_string(pos);
            for (const Json& top : expected["top_logits"].items) {
                const double ours = logits[pos * vocab + top[0].as_int()];
                EXPECT_NEAR(ours, top[1].number, kLogitTolerance) << where;
                worst_logit = std::max(worst_logit, std::abs(ours - top[1].number));
            }
            ASSERT_EQ(trace.moe_layers.size(), expected["moe"].size()) << where;
            for (size_t l = 0; l < trace.moe_layers.size(); ++l) {
                const LayerRouting& ours = trace.moe_layers[l];
                const Json& theirs = expected["moe"][l];
                const std::string at = where + " layer " + std::to_string(ours.layer);
                ASSERT_EQ(ours.layer, theirs["layer"].as_int()) << at;
                std::vector<double> probs;
                for (const Json& p : theirs["probs"].items) probs.push_back(p.number);
                ASSERT_EQ(ours.probs.size(), probs.size()) << at;
                for (size_t e = 0; e < probs.size(); ++e) {
                    EXPECT_NEAR(ours.probs[e], probs[e], kProbTolerance) << at;
                    worst_prob = std::max(worst_prob, std::abs(ours.probs[e] - probs[e]));
                }

                std::vector<double> ranked = probs;
                std::sort(ranked.begin(), ranked.end(), std::greater<double>());
                const std::vector<int32_t> experts = ids_of(theirs["experts"]);
                ASSERT_EQ(ours.experts.size(), k) << at;
                if (ranked[k - 1] - ranked[k] < kNearTie) continue;
                EXPECT_EQ(std::set<int>(ours.experts.begin(), ours.experts.end()),
                          std::set<int>(experts.begin(), experts.end())) << at;
                for (size_t r = 0; r < k; ++r) {
                    const auto it = std::find(ours.experts.begin(), ours.experts.end(), experts[r]);
                    if (it == ours.experts.end()) continue;
                    EXPECT_NEAR(ours.weights[it - ours.experts.begin()], theirs["weights"][r].number, kProbTolerance) << at;
                }
            }
        }
    }
    RecordProperty("max_logit_diff", std::to_string(worst_logit));
    RecordProperty("max_prob_diff", std::to_string(worst_prob));
}

TEST_F(DemoModelTest, GreedyContinuationMatchesPyTorch) {
    const int32_t eos = model_->tokenizer().eos_id();
    for (const Json& prompt : (*reference_)["prompts"].items) {
        const std::string& domain = prompt["domain"].text;
        std::vector<int32_t> expected = ids_of(prompt["greedy_tokens"]);
        // Compare up to the first step whose winner was a near-tie in the reference.
        size_t comparable = 0;
        while (comparable < expected.size() && prompt["greedy_margins"][comparable].number >= kGreedyMargin) ++comparable;
        const bool ends_with_eos = !expected.empty() && expected.back() == eos;
        const bool eos_comparable = ends_with_eos && comparable == expected.size();
        if (ends_with_eos) {  // the engine stops at </s> without returning it
            expected.pop_back();
            comparable = std::min(comparable, expected.size());
        }
        Session session(model_);
        GenerationRequest request;
        request.prompt = prompt["prompt"].text;
        request.max_new_tokens = static_cast<int>(expected.size()) + (ends_with_eos ? 1 : 0);
        request.parse_special = false;
        const GenerationResult result = session.generate(request, {});
        ASSERT_GE(result.generated_tokens.size(), comparable) << domain;
        EXPECT_EQ(std::vector<int32_t>(result.generated_tokens.begin(), result.generated_tokens.begin() + comparable),
                  std::vector<int32_t>(expected.begin(), expected.begin() + comparable)) << domain;
        if (eos_comparable) {
            EXPECT_TRUE(result.stopped_at_eos) << domain;
        }
    }
}

}  // namespace
}  // namespace moe
