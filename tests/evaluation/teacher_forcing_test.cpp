// Teacher-forced corpus runs: every window starts at position 0 with BOS, and stopping keeps
// whole windows only (what `profile` writes after Ctrl+C).
#include <gtest/gtest.h>

#include "engine/demo_model.h"
#include "evaluation/teacher_forcing.h"
#include "tokenizer/tokenizer.h"

namespace moe {
namespace {

std::shared_ptr<const Model> demo() {
    static const auto model = Model::load(demo_model_path());
    return model;
}

const std::vector<Document> kDocuments = {{"The secret of a happy life is", "english", "a"},
                                          {"17+25=42", "math", "b"}};

TEST(TeacherForcing, WindowsStartAtPositionZeroWithBos) {
    Session session(demo());
    CorpusRunOptions options;
    options.n_ctx = 4;
    std::vector<int> positions, documents, windows;
    const CorpusRunResult r = evaluate_corpus(session, kDocuments, options, [&](const TokenTrace& t, int doc, int w) {
        positions.push_back(t.pos);
        documents.push_back(doc);
        windows.push_back(w);
        if (t.pos == 0) {
            EXPECT_EQ(t.token_id, demo()->tokenizer().bos_id());
        }
        EXPECT_EQ(t.step, static_cast<int>(positions.size()) - 1);
    });
    EXPECT_FALSE(r.cancelled);
    EXPECT_EQ(r.tokens, static_cast<int64_t>(positions.size()));
    EXPECT_EQ(r.tokens, r.tokens_planned);
    // Each window holds BOS + up to 3 text tokens; the document changes only at a window start.
    for (size_t i = 0; i < positions.size(); ++i) {
        EXPECT_EQ(positions[i], i == 0 || windows[i] != windows[i - 1] ? 0 : positions[i - 1] + 1);
        EXPECT_LT(positions[i], 4);
        if (i > 0 && documents[i] != documents[i - 1]) {
            EXPECT_EQ(positions[i], 0);
        }
    }
    EXPECT_EQ(documents.back(), 1);
    EXPECT_EQ(windows.back() + 1, r.windows);
}

TEST(TeacherForcing, StoppingKeepsWholeWindowsOnly) {
    Session session(demo());
    CorpusRunOptions options;
    options.n_ctx = 4;
    options.progress = [](int64_t, int64_t) { return false; };  // stop after the first window
    int64_t seen = 0;
    const CorpusRunResult r = evaluate_corpus(session, kDocuments, options, [&](const TokenTrace&, int, int) { ++seen; });
    EXPECT_TRUE(r.cancelled);
    EXPECT_EQ(r.windows, 1);
    EXPECT_EQ(r.tokens, 4);
    EXPECT_EQ(seen, 4);

    const std::atomic<bool> cancel{true};
    options.progress = nullptr;
    seen = 0;
    const CorpusRunResult none = evaluate_corpus(session, kDocuments, options, [&](const TokenTrace&, int, int) { ++seen; },
                                                 &cancel);
    EXPECT_TRUE(none.cancelled);
    EXPECT_EQ(none.tokens, 0);
    EXPECT_EQ(seen, 0);
}

}  // namespace
}  // namespace moe
