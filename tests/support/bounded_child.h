// Runs a piece of test code in a forked child with its address space capped and a
// deadline kept by the parent, so code that once allocated or looped without bound
// fails its test (killed, or dead of ENOMEM) instead of taking the machine.
#pragma once

#include <cstddef>
#include <functional>

namespace sci::testing {

struct ChildOutcome {
  bool exited = false;  // returned normally; exit_code holds body()'s value
  int exit_code = -1;
  int signal = 0;          // the signal that ended it (SIGABRT for an uncaught std::bad_alloc)
  bool timed_out = false;  // the parent killed it at the deadline
};

// Exit code of a child whose body threw (std::bad_alloc at the address-space cap, say).
inline constexpr int kChildThrew = 126;

// Forks; the child sets RLIMIT_AS to `max_address_space_bytes`, runs `body` and exits
// with its return value (0..255), or kChildThrew when it throws. The parent waits at
// most `timeout_s`, then SIGKILLs.
// Call only from a single-threaded test (fork copies one thread).
ChildOutcome run_bounded_child(const std::function<int()>& body, std::size_t max_address_space_bytes,
                               int timeout_s);

// Whether RLIMIT_AS works in this build (not under AddressSanitizer, which reserves
// terabytes of address space up front).
bool address_space_limit_usable();

}  // namespace sci::testing
