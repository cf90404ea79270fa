// Sampler: greedy ties, top-k, top-p, temperature and seeds. Expected frequencies are the
// softmax probabilities worked out by hand; each check draws 4000 times, so the allowed
// deviation (0.03) is about four standard deviations of the observed frequency.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "sampling/sampler.h"

namespace moe {
namespace {

constexpr int kDraws = 4000;

// Frequency of each token over kDraws draws from one sampler.
std::vector<double> frequencies(const std::vector<float>& logits, const SamplingParams& params) {
    Sampler sampler(params);
    std::vector<double> counts(logits.size(), 0.0);
    for (int i = 0; i < kDraws; ++i) counts[sampler.sample(logits.data(), static_cast<int>(logits.size()))] += 1.0;
    for (double& c : counts) c /= kDraws;
    return counts;
}

TEST(SamplerTest, GreedyTakesTheLargestLogitAndTiesGoToTheLowestId) {
    const std::vector<float> logits = {1.0f, 3.0f, 3.0f, 2.0f};
    Sampler greedy(SamplingParams{});
    EXPECT_EQ(greedy.sample(logits.data(), 4), 1);
    EXPECT_EQ(argmax(logits.data(), 4), 1);
    const std::vector<float> last = {0.0f, -1.0f, 0.5f};
    EXPECT_EQ(argmax(last.data(), 3), 2);
}

// argmax answers as a scan keeping the first strictly larger logit, past the 16-lane blocks it
// reads the maximum in: ties to the lowest id, NaNs passed over unless the first logit is one.
TEST(SamplerTest, ArgmaxIsTheFirstStrictMaximumOfAScanAtAnyPosition) {
    std::vector<float> logits(100);
    for (size_t i = 0; i < logits.size(); ++i) logits[i] = static_cast<float>(i % 7) - 3.0f;
    logits[37] = 9.0f;
    logits[90] = 9.0f;  // a tie in a later 16-lane block and in a different lane
    logits[99] = 9.0f;  // and in the tail past the last whole block
    EXPECT_EQ(argmax(logits.data(), 100), 37);
    logits[5] = std::nanf("");
    EXPECT_EQ(argmax(logits.data(), 100), 37);
    logits[98] = 9.5f;  // the maximum alone in the tail
    EXPECT_EQ(argmax(logits.data(), 100), 98);
    logits[0] = std::nanf("");  // nothing compares larger than a NaN first logit
    EXPECT_EQ(argmax(logits.data(), 100), 0);
    const std::vector<float> zeros = {-1.0f, -0.0f, 0.0f};
    EXPECT_EQ(argmax(zeros.data(), 3), 1);  // 0 is not larger than −0
}

TEST(SamplerTest, TopKOneIsGreedyWhateverTheTemperatureAndSeed) {
    const std::vector<float> logits = {2.0f, 5.0f, 5.0f, 4.9f};
    for (uint64_t seed = 0; seed < 20; ++seed) {
        SamplingParams params;
        params.temperature = 10.0f;
        params.top_k = 1;
        params.seed = seed;
        Sampler sampler(params);
        EXPECT_EQ(sampler.sample(logits.data(), 4), 1);  // the tie 1/2 goes to 1
    }
}

TEST(SamplerTest, TopKKeepsOnlyTheKBestWithTheirRelativeOdds) {
    // logits ln 4, ln 3, ln 2, ln 1 at T = 1: the best two keep odds 4 : 3.
    const std::vector<float> logits = {std::log(4.0f), std::log(3.0f), std::log(2.0f), 0.0f};
    SamplingParams params;
    params.temperature = 1.0f;
    params.top_k = 2;
    params.seed = 5;
    const auto f = frequencies(logits, params);
    EXPECT_NEAR(f[0], 4.0 / 7.0, 0.03);
    EXPECT_NEAR(f[1], 3.0 / 7.0, 0.03);
    EXPECT_EQ(f[2], 0.0);
    EXPECT_EQ(f[3], 0.0);
}

TEST(SamplerTest, TopPKeepsTheSmallestPrefixReachingTheMass) {
    // Probabilities 0.5, 0.3, 0.2. top_p 0.7: 0.5 is short of it, 0.5 + 0.3 reaches it, so tokens
    // 0 and 1 stay with odds 5 : 3 and token 2 is never drawn.
    const std::vector<float> logits = {std::log(0.5f), std::log(0.3f), std::log(0.2f)};
    SamplingParams params;
    params.temperature = 1.0f;
    params.top_p = 0.7f;
    params.seed = 11;
    const auto f = frequencies(logits, params);
    EXPECT_NEAR(f[0], 5.0 / 8.0, 0.03);
    EXPECT_NEAR(f[1], 3.0 / 8.0, 0.03);
    EXPECT_EQ(f[2], 0.0);

    params.top_p = 0.45f;  // the first token alone already holds 0.5
    EXPECT_EQ(frequencies(logits, params)[0], 1.0);
}

TEST(SamplerTest, TemperatureSharpensAndFlattens) {
    // logits 0 and ln 3: p(1) = 3/4 at T = 1, 9/10 at T = 1/2 (odds squared), √3/(1+√3) at T = 2.
    const std::vector<float> logits = {0.0f, std::log(3.0f)};
    SamplingParams params;
    params.seed = 3;
    params.temperature = 1.0f;
    EXPECT_NEAR(frequencies(logits, params)[1], 0.75, 0.03);
    params.temperature = 0.5f;
    EXPECT_NEAR(frequencies(logits, params)[1], 0.9, 0.03);
    params.temperature = 2.0f;
    EXPECT_NEAR(frequencies(logits, params)[1], std::sqrt(3.0) / (1.0 + std::sqrt(3.0)), 0.03);
}

TEST(SamplerTest, TheSameSeedRepeatsTheDrawsAndAnotherSeedDoesNot) {
    const std::vector<float> logits(16, 0.0f);  // uniform over 16 tokens
    auto draws = [&](uint64_t seed) {
        SamplingParams params;
        params.temperature = 1.0f;
        params.seed = seed;
        Sampler sampler(params);
        std::vector<int32_t> out;
        for (int i = 0; i < 32; ++i) out.push_back(sampler.sample(logits.data(), 16));
        return out;
    };
    EXPECT_EQ(draws(42), draws(42));
    EXPECT_NE(draws(42), draws(43));  // equal by chance with probability 16^-32
}

}  // namespace
}  // namespace moe
