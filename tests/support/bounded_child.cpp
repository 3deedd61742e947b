// run_bounded_child; see bounded_child.h.
#include "support/bounded_child.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace sci::testing {

ChildOutcome run_bounded_child(const std::function<int()>& body, std::size_t max_address_space_bytes,
                               int timeout_s) {
  ChildOutcome out;
  const pid_t pid = ::fork();
  if (pid < 0) return out;
  if (pid == 0) {
    struct rlimit lim {};
    lim.rlim_cur = lim.rlim_max = max_address_space_bytes;
    if (::setrlimit(RLIMIT_AS, &lim) != 0) ::_exit(125);
    // Nothing may unwind out of the child into the test framework (it would go on to run
    // the remaining tests in the child): an exception ends it with kChildThrew.
    int code = kChildThrew;
    try {
      code = body() & 0xff;
    } catch (...) {
    }
    ::_exit(code);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  int status = 0;
  while (true) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0) return out;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      out.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (WIFEXITED(status)) {
    out.exited = !out.timed_out;
    out.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    out.signal = WTERMSIG(status);
  }
  return out;
}

bool address_space_limit_usable() {
#if defined(__SANITIZE_ADDRESS__)
  return false;
#else
  return true;
#endif
}

}  // namespace sci::testing
