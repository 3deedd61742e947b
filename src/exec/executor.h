// Executor: where jobs run. LocalExecutor runs them on this machine with a concurrency
// limit, GPU assignment (one job per GPU by default) and a disjoint set of CPUs per slot
// (the runs of a slot are pinned to it). A Slurm executor is planned behind the same interface.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"

namespace sci::exec {

// What a job may use while it holds a slot.
struct SlotAssignment {
  int slot = 0;                   // 0-based, unique among running jobs
  std::vector<std::string> gpus;  // CUDA_VISIBLE_DEVICES ids; empty = CPU only
  std::vector<int> cpu_ids;       // CPUs this job's processes are pinned to; never empty
  int cpus = 1;                   // cpu_ids.size(): threads this job should use (OMP_NUM_THREADS)
};

using Job = std::function<void(const SlotAssignment&)>;

class Executor {
 public:
  virtual ~Executor() = default;
  // Queues `job`; it runs when a slot is free, on a thread owned by the executor.
  // kInvalidArgument for an empty job; kUnavailable after shutdown began.
  virtual Status submit(std::string name, Job job) = 0;
  // Blocks until every submitted job has returned.
  virtual void wait_all() = 0;
  // Jobs that may run at once.
  virtual int capacity() const = 0;
};

struct LocalExecutorOptions {
  std::vector<std::string> gpus;  // GPU ids to hand out; empty = CPU only
  int jobs_per_gpu = 1;
  int parallel = 0;  // CPU-only concurrency; 0 = 1. With GPUs: gpus * jobs_per_gpu
  std::vector<int> cpu_ids;  // CPUs to share among slots (share_cpus); empty = proc::allowed_cpu_ids()
};

class LocalExecutor final : public Executor {
 public:
  explicit LocalExecutor(LocalExecutorOptions options);
  ~LocalExecutor() override;  // waits for running jobs
  LocalExecutor(const LocalExecutor&) = delete;
  LocalExecutor& operator=(const LocalExecutor&) = delete;

  Status submit(std::string name, Job job) override;
  void wait_all() override;
  int capacity() const override { return static_cast<int>(slots_.size()); }
  // The slot table (fixed at construction), e.g. to log the CPU split.
  const std::vector<SlotAssignment>& slots() const { return slots_; }

  // RAII hold on one slot, for callers that run on their own thread (the pipeline's
  // idea workers). The slot (and its GPU) is free again when the lease is destroyed;
  // callers destroy it only after the job's processes are confirmed gone.
  class Lease {
   public:
    Lease(LocalExecutor* owner, SlotAssignment slot) : owner_(owner), slot_(std::move(slot)) {}
    Lease(Lease&& other) noexcept : owner_(other.owner_), slot_(std::move(other.slot_)) { other.owner_ = nullptr; }
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    const SlotAssignment& slot() const { return slot_; }

   private:
    LocalExecutor* owner_;
    SlotAssignment slot_;
  };
  // Blocks until a slot is free.
  Lease acquire();
  // A free slot now, or nullopt.
  std::optional<Lease> try_acquire();

 private:
  void release(int slot);
  std::vector<SlotAssignment> slots_;
  std::vector<bool> busy_;
  std::mutex mu_;
  std::condition_variable cv_;
  int pending_ = 0;  // submitted jobs not finished
  std::vector<std::thread> threads_;
};

// Splits `cpus` among `slots`: slot i gets the i-th contiguous share (share sizes differ
// by at most one), so the sets are disjoint and cover `cpus`. With fewer CPUs than slots,
// slot i gets {cpus[i % cpus.size()]} (shared round-robin). Never an empty set while
// `cpus` is non-empty; `slots` < 1 gives no sets.
std::vector<std::vector<int>> share_cpus(const std::vector<int>& cpus, int slots);

// GPU ids from `configured` ("0,1"); when empty, detected with `nvidia-smi -L`
// (none when nvidia-smi is absent or fails).
std::vector<std::string> resolve_gpus(const std::string& configured);

}  // namespace sci::exec
