// Which directories a sandbox may use as its working directory. The sandbox hands its
// workdir to a sandbox uid for the run, so a system directory or a home must never be
// one, and `sandbox run --workdir` only takes a directory made for runs.
#pragma once

#include <filesystem>
#include <string>

#include "base/result.h"

namespace sci::proc {

// The folder `sandbox run` creates in its workdir (logs); it marks a directory made for runs.
inline constexpr const char* kSandboxMarker = ".sandbox";

// kInvalidArgument (naming the directory and the fix) for "/", a system tree (/etc, /usr,
// /bin, /sbin, /lib*, /boot, /proc, /sys, /dev and everything below them), a top-level
// system directory itself (/var, /home, /root, /run, /tmp, /opt, /srv, /mnt, /media),
// `home` itself and every ancestor of it. `dir` is compared after resolving symlinks.
Status check_not_system_directory(const std::filesystem::path& dir, const std::filesystem::path& home);

enum class ForceWorkdir { kNo, kYes };
// A missing or empty directory, or one holding kSandboxMarker (an earlier `sandbox run`),
// is a run directory. Anything else is refused (kInvalidArgument) unless force is kYes.
Status check_made_for_runs(const std::filesystem::path& dir, ForceWorkdir force);

}  // namespace sci::proc
