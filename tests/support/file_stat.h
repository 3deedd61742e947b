// lstat() for the ownership tests: owner, mode and kind of a path, links not followed.
#pragma once

#include <sys/stat.h>

#include <filesystem>

namespace sci::testing {

// lstat() of `p` (a zeroed struct when it fails).
inline struct stat lstat_of(const std::filesystem::path& p) {
  struct stat st {};
  ::lstat(p.c_str(), &st);
  return st;
}

}  // namespace sci::testing
