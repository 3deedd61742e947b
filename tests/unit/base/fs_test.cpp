// Atomic writes: a failure at any point of a write leaves the old file intact and no temp file.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "support/test_paths.h"

namespace sci::fs {
namespace {

// Forwards to the real writer but fails the Nth write() call (or the sync).
class FaultyWriter final : public FileWriter {
 public:
  explicit FaultyWriter(int fail_on_write, bool fail_sync = false)
      : fail_on_write_(fail_on_write), fail_sync_(fail_sync) {}
  Status open(const std::filesystem::path& p) override { return posix_writer().open(p); }
  Status write(std::string_view chunk) override {
    if (++writes_ == fail_on_write_) {
      (void)posix_writer().write(chunk.substr(0, chunk.size() / 2));  // a torn write
      return make_error(ErrorCode::kIo, "injected: No space left on device");
    }
    return posix_writer().write(chunk);
  }
  Status sync_and_close() override {
    if (fail_sync_) {
      posix_writer().abandon();
      return make_error(ErrorCode::kIo, "injected: fsync failed");
    }
    return posix_writer().sync_and_close();
  }
  void abandon() override { posix_writer().abandon(); }

 private:
  int fail_on_write_;
  bool fail_sync_;
  int writes_ = 0;
};

size_t count_files(const std::filesystem::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

TEST(AtomicWriteTest, WritesAndReplacesContent) {
  auto dir = testing::fresh_temp_dir("atomic");
  auto path = dir / "sub" / "file.txt";
  ASSERT_TRUE(write_file_atomic(path, "first").ok());
  ASSERT_TRUE(write_file_atomic(path, "second").ok());
  EXPECT_EQ(*read_file(path), "second");
  EXPECT_EQ(count_files(dir / "sub"), 1u);
}

TEST(AtomicWriteTest, FailureMidWriteKeepsOldContentAndNoTempFile) {
  auto dir = testing::fresh_temp_dir("atomic");
  auto path = dir / "results.json";
  ASSERT_TRUE(write_file_atomic(path, "old content").ok());
  std::string big(300000, 'x');  // several chunks, so the fault lands mid-file
  for (int fail_at = 1; fail_at <= 4; ++fail_at) {
    FaultyWriter writer(fail_at);
    auto st = write_file_atomic(path, big, writer);
    ASSERT_FALSE(st.ok()) << "fault at write " << fail_at;
    EXPECT_EQ(st.error().code, ErrorCode::kIo);
    EXPECT_EQ(*read_file(path), "old content");
    EXPECT_EQ(count_files(dir), 1u) << "temp file left behind";
  }
}

TEST(AtomicWriteTest, FailedSyncKeepsOldContent) {
  auto dir = testing::fresh_temp_dir("atomic");
  auto path = dir / "a.txt";
  ASSERT_TRUE(write_file_atomic(path, "kept").ok());
  FaultyWriter writer(-1, /*fail_sync=*/true);
  EXPECT_FALSE(write_file_atomic(path, "lost", writer).ok());
  EXPECT_EQ(*read_file(path), "kept");
  EXPECT_EQ(count_files(dir), 1u);
}

TEST(FsTest, ReadMissingFileIsNotFound) {
  auto r = read_file("/nonexistent/definitely/not/here");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

TEST(FsTest, Sha256MatchesKnownVector) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(FsTest, AppendLineAppends) {
  auto dir = testing::fresh_temp_dir("append");
  ASSERT_TRUE(append_line(dir / "log.jsonl", "{\"a\":1}").ok());
  ASSERT_TRUE(append_line(dir / "log.jsonl", "{\"b\":2}").ok());
  EXPECT_EQ(*read_file(dir / "log.jsonl"), "{\"a\":1}\n{\"b\":2}\n");
  EXPECT_EQ(directory_size_bytes(dir), 16u);
}

}  // namespace
}  // namespace sci::fs
