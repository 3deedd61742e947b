// The call journal keeps every finished call across crashes and full disks: a torn last
// line is cut off so the next append starts a fresh line, and a line that did not fit
// leaves no torn bytes and is written once there is space.
#include "llm/journal.h"

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <gtest/gtest.h>

#include "base/fs.h"
#include "support/test_paths.h"

namespace sci::llm {
namespace {

namespace stdfs = std::filesystem;

ChatRequest request(int turn) {
  ChatRequest r;
  r.model = "m";
  r.tag = CallTag{"idea", "writeup", "writer", turn};
  r.messages.push_back({Role::kUser, "turn " + std::to_string(turn), false});
  return r;
}

ChatResponse reply(int turn) {
  ChatResponse r;
  r.text = "reply " + std::to_string(turn);
  return r;
}

// Fails on the old code: the torn bytes stayed, the next append joined them on one line,
// and that call was lost to the journal (it showed as 75 of 76 calls after a resume).
TEST(CallJournalTest, ATornLastLineIsCutSoTheNextAppendStartsAFreshLine) {
  auto path = testing::fresh_temp_dir("journal_torn") / "llm_journal.jsonl";
  {
    auto j = CallJournal::open(path);
    ASSERT_TRUE(j.ok());
    ASSERT_TRUE((*j)->append(request(1), reply(1)).ok());
  }
  std::string text = *fs::read_file(path);
  ASSERT_TRUE(fs::write_file_atomic(path, text + text.substr(0, text.size() / 2)).ok());  // a torn copy
  {
    auto j = CallJournal::open(path);
    ASSERT_TRUE(j.ok()) << j.error().to_string();
    ASSERT_TRUE((*j)->append(request(2), reply(2)).ok());
  }
  auto j = CallJournal::open(path);
  ASSERT_TRUE(j.ok()) << j.error().to_string();
  EXPECT_EQ((*j)->turns("idea", "writeup", "writer"), 2);
  EXPECT_TRUE((*j)->take(request(2)).has_value());
}

TEST(CallJournalTest, ALineThatDoesNotFitLeavesNothingTornAndIsWrittenLater) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root";
  auto dir = testing::fresh_temp_dir("journal_full") / "small";
  stdfs::create_directories(dir);
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=1m") != 0) GTEST_SKIP() << std::strerror(errno);
  struct Unmount {
    stdfs::path at;
    ~Unmount() { ::umount2(at.c_str(), MNT_DETACH); }
  } unmount{dir};
  const auto path = dir / "llm_journal.jsonl";
  {
    auto j = CallJournal::open(path);
    ASSERT_TRUE(j.ok());
    ASSERT_TRUE((*j)->append(request(1), reply(1)).ok());
    const auto size = stdfs::file_size(path);
    {  // fill the disk
      std::string chunk(4096, 'x');
      FILE* f = std::fopen((dir / "filler").c_str(), "wb");
      ASSERT_NE(f, nullptr);
      while (std::fwrite(chunk.data(), 1, chunk.size(), f) == chunk.size() && std::fflush(f) == 0) {
      }
      std::fclose(f);
    }
    ChatResponse big = reply(2);
    big.text = std::string(64 << 10, 'y');  // more than is left
    auto st = (*j)->append(request(2), big);
    EXPECT_FALSE(st.ok());
    EXPECT_EQ(stdfs::file_size(path), size) << "no torn bytes";
    stdfs::remove(dir / "filler");
  }  // destroyed: the kept line is written now
  auto j = CallJournal::open(path);
  ASSERT_TRUE(j.ok()) << j.error().to_string();
  EXPECT_EQ((*j)->turns("idea", "writeup", "writer"), 2);
}

}  // namespace
}  // namespace sci::llm
