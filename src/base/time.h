// Time helpers and the Clock seam (real and fake) so timing logic is testable.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace sci::time {

// "2026-11-25T09:30:00.123Z" (UTC).
std::string now_iso8601();
// "20261125_093000" (local time), the prefix of idea directories (DESIGN.md §2).
std::string now_dir_stamp();

// Monotonic clock seam; the real one wraps steady_clock, tests use FakeClock.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::steady_clock::time_point now() const = 0;
  // Sleeps (real) or advances (fake) by `d`.
  virtual void sleep_for(std::chrono::milliseconds d) = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() const override;
  void sleep_for(std::chrono::milliseconds d) override;
};

// Time moves only when sleep_for or advance is called. Not thread-safe.
class FakeClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() const override { return now_; }
  void sleep_for(std::chrono::milliseconds d) override { now_ += d; slept_ += d; }
  void advance(std::chrono::milliseconds d) { now_ += d; }
  std::chrono::milliseconds total_slept() const { return slept_; }

 private:
  std::chrono::steady_clock::time_point now_{};
  std::chrono::milliseconds slept_{0};
};

Clock& system_clock();

}  // namespace sci::time
