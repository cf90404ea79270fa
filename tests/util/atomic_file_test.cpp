// Atomic writes (issue 13, finding 5): no temporary file survives a failed write, and the
// files a killed writer left beside the destination go away with the next successful write.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "support/test_support.h"
#include "util/atomic_file.h"

namespace fs = std::filesystem;

namespace {

void touch(const fs::path& path, std::chrono::seconds age) {
    std::ofstream(path) << "left by a killed writer";
    fs::last_write_time(path, fs::file_time_type::clock::now() - age);
}

std::set<std::string> names_in(const fs::path& dir) {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename().string());
    return names;
}

}  // namespace

TEST(AtomicFile, StaleTempFilesOfThePathAreRemovedByTheNextWrite) {
    const fs::path dir = moe::test::temp_dir();
    touch(dir / "routing.csv.tmp-Ab12Z9", std::chrono::hours(2));      // stale: removed
    touch(dir / "routing.csv.tmp-q0q0q0", std::chrono::seconds(61));   // stale: removed
    touch(dir / "routing.csv.tmp-young1", std::chrono::seconds(0));    // a live writer's: kept
    touch(dir / "other.csv.tmp-Ab12Z9", std::chrono::hours(2));        // another path's: kept
    touch(dir / "routing.csv.tmp-toolong", std::chrono::hours(2));     // not mkstemp's shape: kept
    touch(dir / "routing.csv.tmp-ab.cd", std::chrono::hours(2));       // not mkstemp's shape: kept
    moe::write_file_atomically((dir / "routing.csv").string(), "step\n");
    EXPECT_EQ(names_in(dir), (std::set<std::string>{"routing.csv", "routing.csv.tmp-young1", "other.csv.tmp-Ab12Z9",
                                                    "routing.csv.tmp-toolong", "routing.csv.tmp-ab.cd"}));
    EXPECT_EQ(moe::test::read_file((dir / "routing.csv").string()), "step\n");
}

TEST(AtomicFile, AFailedRenameLeavesNoTemporaryFile) {
    const fs::path dir = moe::test::temp_dir();
    fs::create_directory(dir / "taken");  // the destination is a folder: rename fails
    fs::create_directory(dir / "taken" / "inside");
    EXPECT_THROW(moe::write_file_atomically((dir / "taken").string(), "x"), std::runtime_error);
    EXPECT_EQ(names_in(dir), (std::set<std::string>{"taken"}));
}

TEST(AtomicFile, AMissingFolderIsReportedWithThePath) {
    const fs::path dir = moe::test::temp_dir();
    const std::string path = (dir / "no" / "x.csv").string();
    try {
        moe::write_file_atomically(path, "x");
        FAIL() << "expected an error";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()),
                  "cannot write '" + path + "': cannot create a temporary file beside it: No such file or directory");
    }
    EXPECT_TRUE(fs::is_empty(dir));
}

TEST(AtomicFile, AStreamedFileAppearsWholeOnCommitAndNotAtAllWithout) {
    const fs::path dir = moe::test::temp_dir();
    const std::string path = (dir / "model.gguf").string();
    {
        moe::AtomicFileWriter file(path);
        file.write("GGUF");
        file.write("-rest");
        EXPECT_FALSE(fs::exists(path)) << "visible before the commit";
        file.commit();
    }
    EXPECT_EQ(moe::test::read_file(path), "GGUF-rest");
    {
        moe::AtomicFileWriter abandoned(path);
        abandoned.write("half");
    }  // destroyed without a commit, as when the data's producer throws
    EXPECT_EQ(moe::test::read_file(path), "GGUF-rest");
    EXPECT_EQ(names_in(dir), (std::set<std::string>{"model.gguf"}));
}
