// Corpus loading (text file, folder, JSONL), bad inputs, and cutting documents into windows.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "evaluation/corpus.h"
#include "support/test_support.h"

namespace moe {
namespace {

std::string write(const std::string& path, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

std::string error_of(const std::string& path, const std::string& domain = {}) {
    try {
        load_corpus(path, domain);
    } catch (const CorpusError& e) {
        return e.what();
    }
    return "no error";
}

TEST(Corpus, ATextFileIsOneDocument) {
    const std::string path = write(test::temp_dir() + "/one.txt", "line one\n\nline two\n");
    const auto docs = load_corpus(path);
    ASSERT_EQ(docs.size(), 1u);
    EXPECT_EQ(docs[0].text, "line one\n\nline two\n");
    EXPECT_EQ(docs[0].domain, "");
    EXPECT_EQ(load_corpus(path, "prose")[0].domain, "prose");
}

TEST(Corpus, JsonlGivesOneDocumentPerLineWithItsDomain) {
    const std::string path = write(test::temp_dir() + "/docs.jsonl",
                                   "{\"text\": \"a+b\", \"domain\": \"math\"}\n"
                                   "\n"
                                   "{\"text\": \"\\u4f60\\u597d\\nworld\", \"id\": 7}\n"
                                   "{\"text\": \"\"}\n");
    const auto docs = load_corpus(path);
    ASSERT_EQ(docs.size(), 2u);  // the blank line and the empty text are skipped
    EXPECT_EQ(docs[0].text, "a+b");
    EXPECT_EQ(docs[0].domain, "math");
    EXPECT_EQ(docs[1].text, "\xE4\xBD\xA0\xE5\xA5\xBD\nworld");
    EXPECT_EQ(docs[1].domain, "");
    EXPECT_EQ(docs[1].source, path + ":3");
    // --domain NAME=PATH labels every document, over the file's own labels.
    const auto labelled = load_corpus(path, "mixed");
    EXPECT_EQ(labelled[0].domain, "mixed");
    EXPECT_EQ(labelled[1].domain, "mixed");
}

TEST(Corpus, AFolderIsReadRecursivelyInNameOrder) {
    const std::string dir = test::temp_dir() + "/folder";
    write(dir + "/b.txt", "second");
    write(dir + "/a.jsonl", "{\"text\": \"first\", \"domain\": \"x\"}\n");
    write(dir + "/sub/c.txt", "third");
    write(dir + "/empty.txt", "");
    const auto docs = load_corpus(dir);
    ASSERT_EQ(docs.size(), 3u);
    EXPECT_EQ(docs[0].text, "first");
    EXPECT_EQ(docs[1].text, "second");
    EXPECT_EQ(docs[2].text, "third");
}

TEST(Corpus, BadInputsGetOneLineErrorsNamingTheFile) {
    const std::string dir = test::temp_dir() + "/bad";
    EXPECT_EQ(error_of(dir + "/missing.txt"), dir + "/missing.txt: no such file or folder");
    EXPECT_EQ(error_of(write(dir + "/empty.txt", "")), dir + "/empty.txt: no documents (the corpus is empty)");
    std::filesystem::create_directories(dir + "/nothing");
    EXPECT_EQ(error_of(dir + "/nothing"), dir + "/nothing: no documents (the corpus is empty)");
    EXPECT_EQ(error_of(write(dir + "/broken.jsonl", "{\"text\": \"ok\"}\n{\"text\": \n")),
              dir + "/broken.jsonl:2: not valid JSON");
    EXPECT_EQ(error_of(write(dir + "/notext.jsonl", "{\"body\": \"x\"}\n")),
              dir + "/notext.jsonl:1: expected an object with a string \"text\"");
    EXPECT_EQ(error_of(write(dir + "/number.jsonl", "{\"text\": 3}\n")),
              dir + "/number.jsonl:1: expected an object with a string \"text\"");
    EXPECT_EQ(error_of(write(dir + "/domain.jsonl", "{\"text\": \"x\", \"domain\": 1}\n")),
              dir + "/domain.jsonl:1: \"domain\" must be a string");
}

TEST(Corpus, AnUnreadableFileIsNamed) {
    const std::string path = write(test::temp_dir() + "/locked/secret.txt", "text");
    std::filesystem::permissions(path, std::filesystem::perms::none);
    if (std::ifstream(path).good()) GTEST_SKIP() << "running as root: permissions do not stop reading";
    EXPECT_EQ(error_of(path), path + ": cannot read: Permission denied");
}

// Opening works but reading fails (EIO), even for root: the error is named, not an empty text.
TEST(Corpus, AFileThatFailsToReadIsNamed) {
    const std::string path = "/proc/self/mem";
    if (!std::ifstream(path).good()) GTEST_SKIP() << path << " cannot be opened here";
    EXPECT_EQ(error_of(path), path + ": cannot read: Input/output error");
}

TEST(Windows, EveryWindowStartsWithBosAndHoldsAtMostCtxTokens) {
    const std::vector<int32_t> doc = {10, 11, 12, 13, 14, 15, 16};
    const auto windows = cut_windows(doc, 4, /*n_ctx=*/4, /*bos=*/1);
    ASSERT_EQ(windows.size(), 3u);
    EXPECT_EQ(windows[0].tokens, (std::vector<int32_t>{1, 10, 11, 12}));
    EXPECT_EQ(windows[1].tokens, (std::vector<int32_t>{1, 13, 14, 15}));
    EXPECT_EQ(windows[2].tokens, (std::vector<int32_t>{1, 16}));
    for (const Window& w : windows) EXPECT_EQ(w.document, 4);
}

TEST(Windows, WithoutBosWindowsHoldCtxTokensOfText) {
    const auto windows = cut_windows({10, 11, 12, 13, 14, 15, 16}, 0, 4, -1);
    ASSERT_EQ(windows.size(), 2u);
    EXPECT_EQ(windows[0].tokens, (std::vector<int32_t>{10, 11, 12, 13}));
    EXPECT_EQ(windows[1].tokens, (std::vector<int32_t>{14, 15, 16}));
    EXPECT_TRUE(cut_windows({}, 0, 4, 1).empty());
}

}  // namespace
}  // namespace moe
