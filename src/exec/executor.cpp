// LocalExecutor: a fixed table of slots guarded by a mutex; each submitted job gets a
// thread that waits for a slot, runs, and frees the slot.
#include "exec/executor.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "base/log.h"
#include "base/strings.h"
#include "proc/cpu_affinity.h"
#include "proc/run_capture.h"

namespace sci::exec {

std::vector<std::vector<int>> share_cpus(const std::vector<int>& cpus, int slots) {
  std::vector<std::vector<int>> out;
  if (slots < 1 || cpus.empty()) return out;
  const size_t n = static_cast<size_t>(slots), c = cpus.size();
  for (size_t i = 0; i < n; ++i) {
    if (c < n) {
      out.push_back({cpus[i % c]});
    } else {
      // Contiguous ids keep a slot's threads on neighbouring cores (shared caches).
      out.emplace_back(cpus.begin() + static_cast<std::ptrdiff_t>(i * c / n),
                       cpus.begin() + static_cast<std::ptrdiff_t>((i + 1) * c / n));
    }
  }
  return out;
}

LocalExecutor::LocalExecutor(LocalExecutorOptions options) {
  if (!options.gpus.empty()) {
    int per = std::max(1, options.jobs_per_gpu);
    for (const auto& gpu : options.gpus)
      for (int i = 0; i < per; ++i) slots_.push_back(SlotAssignment{0, {gpu}, {}, 1});
  } else {
    int n = std::max(1, options.parallel);
    for (int i = 0; i < n; ++i) slots_.push_back(SlotAssignment{0, {}, {}, 1});
  }
  // Each slot's runs are pinned to their own CPUs: K experiments at once must not each
  // size their thread pools for the whole machine.
  std::vector<int> cpus = options.cpu_ids.empty() ? proc::allowed_cpu_ids() : options.cpu_ids;
  auto shares = share_cpus(cpus, static_cast<int>(slots_.size()));
  for (size_t i = 0; i < slots_.size(); ++i) {
    slots_[i].slot = static_cast<int>(i);
    slots_[i].cpu_ids = shares[i];
    slots_[i].cpus = static_cast<int>(shares[i].size());
  }
  busy_.assign(slots_.size(), false);
}

LocalExecutor::~LocalExecutor() {
  wait_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

LocalExecutor::Lease::~Lease() {
  if (owner_) owner_->release(slot_.slot);
}

LocalExecutor::Lease LocalExecutor::acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    for (size_t i = 0; i < busy_.size(); ++i) {
      if (!busy_[i]) {
        busy_[i] = true;
        return Lease(this, slots_[i]);
      }
    }
    cv_.wait(lock);
  }
}

std::optional<LocalExecutor::Lease> LocalExecutor::try_acquire() {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < busy_.size(); ++i) {
    if (!busy_[i]) {
      busy_[i] = true;
      return Lease(this, slots_[i]);
    }
  }
  return std::nullopt;
}

void LocalExecutor::release(int slot) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    busy_[static_cast<size_t>(slot)] = false;
  }
  cv_.notify_all();
}

Status LocalExecutor::submit(std::string name, Job job) {
  if (!job) return make_error(ErrorCode::kInvalidArgument, fmt::format("executor: job '{}' is empty", name));
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++pending_;
  }
  threads_.emplace_back([this, name = std::move(name), job = std::move(job)] {
    {
      Lease lease = acquire();
      log::ScopedContext ctx("job", name);
      // Thread entry point: nothing may escape (DESIGN.md §4).
      try {
        job(lease.slot());
      } catch (...) {
        log::error("job {} threw; treated as finished", name);
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      --pending_;
    }
    cv_.notify_all();
  });
  return ok_status();
}

void LocalExecutor::wait_all() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return pending_ == 0; });
}

std::vector<std::string> resolve_gpus(const std::string& configured) {
  std::vector<std::string> out;
  if (!str::trim(configured).empty()) {
    for (const auto& part : str::split(configured, ',')) {
      auto id = std::string(str::trim(part));
      if (!id.empty()) out.push_back(id);
    }
    return out;
  }
  auto probe = proc::run_capture({"nvidia-smi", "-L"}, std::chrono::seconds(10));
  if (!probe.ok() || probe->exit_code != 0) return out;
  for (const auto& line : str::split_lines(probe->output))
    if (str::starts_with(line, "GPU ")) {
      auto colon = line.find(':');
      if (colon != std::string::npos) out.push_back(line.substr(4, colon - 4));
    }
  return out;
}

}  // namespace sci::exec
