// A full disk during a batch: recognising it in an error, and a small reserve file
// kept in the batch directory that is given up when the disk fills, so that the state
// files and summary.json can still be written and the batch resumed where it stopped.
#pragma once

#include <cstdint>
#include <filesystem>

#include "base/result.h"

namespace sci::fs {

// True when `error` comes from ENOSPC or EDQUOT (fs.h writes put the OS reason into
// the message, with the fix).
bool is_disk_full(const Error& error);
bool is_disk_full_text(std::string_view text);

// `bytes` of real blocks at `dir`/.space_reserve while held; release() deletes the file.
class SpaceReserve {
 public:
  SpaceReserve() = default;
  // Creates (or tops up) the reserve; a failure is not fatal (the reserve is a cushion).
  void hold(const std::filesystem::path& dir, std::uint64_t bytes = 8ull << 20);
  // Frees the reserve; returns whether there was one.
  bool release();

 private:
  std::filesystem::path path_;
};

}  // namespace sci::fs
