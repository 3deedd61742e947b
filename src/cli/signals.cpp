// Signal handlers; see signals.h. Only async-signal-safe calls inside the handler.
#include "cli/signals.h"

#include <signal.h>
#include <unistd.h>

namespace sci::cli {
namespace {

std::atomic<bool> g_cancel{false};

void on_signal(int) {
  if (g_cancel.exchange(true)) _exit(130);
  const char msg[] = "\nscientist: stopping after the current step (Ctrl-C again to quit now)...\n";
  ssize_t ignored = write(2, msg, sizeof msg - 1);
  (void)ignored;
}

}  // namespace

std::atomic<bool>& install_cancel_handlers() {
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return g_cancel;
}

}  // namespace sci::cli
