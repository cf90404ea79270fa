// Scratch buffers: reused while large enough, page-rounded, per thread, and handed back to the
// OS by a ScratchRelease scope (what keeps a prefill's megabytes out of decode's resident set).
#include <gtest/gtest.h>

#include <thread>

#include "util/scratch.h"

namespace moe {
namespace {

TEST(Scratch, GrowsToWholePagesAndReusesItsMemoryWhileLargeEnough) {
    ScratchBuffer buffer;
    EXPECT_EQ(buffer.capacity(), 0u);
    float* first = buffer.floats(1000);  // 4000 bytes: one 4096-byte page
    EXPECT_EQ(buffer.capacity(), 4096u);
    first[999] = 7.0f;
    float* again = buffer.floats(1024);  // exactly the page: same memory, contents kept
    EXPECT_EQ(again, first);
    EXPECT_EQ(again[999], 7.0f);
    buffer.floats(1025);  // 4100 bytes: two pages
    EXPECT_EQ(buffer.capacity(), 8192u);
}

TEST(Scratch, AReleaseScopeHandsBackEveryBufferOfItsThreadWhenAskedAndOverItsAllowance) {
    const size_t before = ScratchBuffer::bytes_on_this_thread();
    ScratchBuffer a, b;
    a.floats(3000);  // 12000 bytes: 3 pages
    b.items<int8_t>(5000);  // 2 pages
    EXPECT_EQ(ScratchBuffer::bytes_on_this_thread(), before + 5 * 4096u);
    { const ScratchRelease keep(false, 0); }
    EXPECT_EQ(a.capacity(), 3 * 4096u);
    { const ScratchRelease within_allowance(true, before + 5 * 4096u); }
    EXPECT_EQ(a.capacity(), 3 * 4096u);
    EXPECT_EQ(b.capacity(), 2 * 4096u);
    { const ScratchRelease release(true, before + 5 * 4096u - 1); }
    EXPECT_EQ(a.capacity(), 0u);
    EXPECT_EQ(b.capacity(), 0u);
    EXPECT_EQ(ScratchBuffer::bytes_on_this_thread(), 0u);
    EXPECT_EQ(a.floats(10)[0], 0.0f);  // fresh pages from the OS are zero
}

TEST(Scratch, ThreadsKeepTheirOwnListsAndABufferLeavesItsListWhenDestroyed) {
    ScratchBuffer mine;
    mine.floats(1024);
    size_t other_thread = 1;
    std::thread([&] {
        { const ScratchRelease release(true, 0); }  // must not touch this thread's buffers
        ScratchBuffer theirs;
        theirs.floats(2048);
        other_thread = ScratchBuffer::bytes_on_this_thread();
    }).join();
    EXPECT_EQ(other_thread, 2 * 4096u);
    EXPECT_EQ(mine.capacity(), 4096u);
    {
        ScratchBuffer temporary;
        temporary.floats(1);
        EXPECT_EQ(ScratchBuffer::bytes_on_this_thread(), 2 * 4096u);
    }
    EXPECT_EQ(ScratchBuffer::bytes_on_this_thread(), 4096u);
}

}  // namespace
}  // namespace moe
