// Ctrl-C handling: the first SIGINT/SIGTERM sets the shared cancel flag so running
// stages checkpoint and stop (exit 130, resumable); a second one exits at once.
#pragma once

#include <atomic>

namespace sci::cli {

// Installs the handlers (idempotent) and returns the flag they set.
std::atomic<bool>& install_cancel_handlers();

}  // namespace sci::cli
