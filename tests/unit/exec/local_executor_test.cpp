// LocalExecutor: concurrency limit, one job per GPU, disjoint CPU sets per slot, GPU id resolution.
#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <numeric>
#include <set>

#include <gtest/gtest.h>

#include "exec/executor.h"
#include "proc/cpu_affinity.h"

namespace sci::exec {
namespace {

TEST(LocalExecutorTest, OneJobPerGpuAndEachJobSeesOnlyItsGpu) {
  LocalExecutor ex(LocalExecutorOptions{{"0", "1"}, 1, 0, {0, 1, 2, 3, 4, 5, 6, 7}});
  EXPECT_EQ(ex.capacity(), 2);
  std::mutex mu;
  std::atomic<int> running{0}, peak{0};
  std::multiset<std::string> gpus_in_use;
  bool overlap = false;
  std::vector<std::vector<std::string>> seen;
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(ex.submit("job" + std::to_string(i), [&](const SlotAssignment& s) {
                    int now = ++running;
                    int p = peak.load();
                    while (now > p && !peak.compare_exchange_weak(p, now)) {}
                    {
                      std::lock_guard<std::mutex> lock(mu);
                      seen.push_back(s.gpus);
                      for (const auto& g : s.gpus) {
                        if (gpus_in_use.count(g)) overlap = true;
                        gpus_in_use.insert(g);
                      }
                    }
                    // Hand control to other job threads so overlaps would show.
                    for (int k = 0; k < 200; ++k) std::this_thread::yield();
                    {
                      std::lock_guard<std::mutex> lock(mu);
                      for (const auto& g : s.gpus) gpus_in_use.erase(gpus_in_use.find(g));
                    }
                    --running;
                  }).ok());
  }
  ex.wait_all();
  EXPECT_LE(peak.load(), 2);
  EXPECT_FALSE(overlap);
  ASSERT_EQ(seen.size(), 8u);
  for (const auto& g : seen) {
    ASSERT_EQ(g.size(), 1u);
    EXPECT_TRUE(g[0] == "0" || g[0] == "1");
  }
}

std::vector<int> ids_from(int first, int count) {
  std::vector<int> ids(static_cast<size_t>(count));
  std::iota(ids.begin(), ids.end(), first);
  return ids;
}

TEST(LocalExecutorTest, CpuOnlyMachineSharesTheCoresAmongSlots) {
  LocalExecutor ex(LocalExecutorOptions{{}, 1, 3, ids_from(0, 12)});
  EXPECT_EQ(ex.capacity(), 3);
  auto a = ex.acquire();
  auto b = ex.acquire();
  auto c = ex.try_acquire();
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(ex.try_acquire().has_value());  // all three slots held
  EXPECT_EQ(a.slot().cpus, 4);
  EXPECT_EQ(a.slot().cpu_ids.size(), 4u);
  EXPECT_TRUE(a.slot().gpus.empty());
  std::set<int> slots = {a.slot().slot, b.slot().slot, c->slot().slot};
  EXPECT_EQ(slots.size(), 3u);
  c.reset();
  EXPECT_TRUE(ex.try_acquire().has_value());  // released with the lease
}

// Every CPU id in `slots`, with how often it was handed out.
std::map<int, int> cpu_use(const std::vector<SlotAssignment>& slots) {
  std::map<int, int> use;
  for (const auto& s : slots)
    for (int id : s.cpu_ids) ++use[id];
  return use;
}

TEST(LocalExecutorTest, SlotsGetDisjointContiguousCpuSetsCoveringTheGivenCpus) {
  LocalExecutor ex(LocalExecutorOptions{{}, 1, 3, ids_from(2, 8)});  // CPUs 2..9
  ASSERT_EQ(ex.slots().size(), 3u);
  EXPECT_EQ(ex.slots()[0].cpu_ids, (std::vector<int>{2, 3}));
  EXPECT_EQ(ex.slots()[1].cpu_ids, (std::vector<int>{4, 5, 6}));
  EXPECT_EQ(ex.slots()[2].cpu_ids, (std::vector<int>{7, 8, 9}));
  for (const auto& s : ex.slots()) EXPECT_EQ(s.cpus, static_cast<int>(s.cpu_ids.size()));
  auto use = cpu_use(ex.slots());
  EXPECT_EQ(use.size(), 8u);
  for (const auto& [id, n] : use) EXPECT_EQ(n, 1) << "CPU " << id << " is in two slots";
}

TEST(LocalExecutorTest, DefaultCpuSetsPartitionTheCpusThisProcessMayUse) {
  const std::vector<int> allowed = proc::allowed_cpu_ids();
  ASSERT_FALSE(allowed.empty());
  int slots = std::max(1, static_cast<int>(allowed.size()) / 2);
  LocalExecutor ex(LocalExecutorOptions{{}, 1, slots, {}});
  std::vector<int> seen;
  for (const auto& s : ex.slots()) {
    EXPECT_FALSE(s.cpu_ids.empty()) << "slot " << s.slot;
    seen.insert(seen.end(), s.cpu_ids.begin(), s.cpu_ids.end());
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, allowed);  // disjoint (no duplicates) and covering
}

TEST(LocalExecutorTest, MoreSlotsThanCpusShareTheCpusRoundRobin) {
  LocalExecutor ex(LocalExecutorOptions{{}, 1, 5, {4, 7}});
  ASSERT_EQ(ex.slots().size(), 5u);
  const std::vector<std::vector<int>> want = {{4}, {7}, {4}, {7}, {4}};
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(ex.slots()[i].cpu_ids, want[i]) << "slot " << i;
    EXPECT_EQ(ex.slots()[i].cpus, 1);
  }
}

TEST(LocalExecutorTest, GpuSlotsShareTheCpusTheSameWay) {
  LocalExecutor ex(LocalExecutorOptions{{"0", "1"}, 2, 0, ids_from(0, 8)});
  ASSERT_EQ(ex.slots().size(), 4u);
  auto use = cpu_use(ex.slots());
  EXPECT_EQ(use.size(), 8u);
  for (const auto& [id, n] : use) EXPECT_EQ(n, 1) << "CPU " << id << " is in two slots";
  for (const auto& s : ex.slots()) EXPECT_EQ(s.cpu_ids.size(), 2u);
}

TEST(LocalExecutorTest, ShareCpusHandlesUnevenSplitsAndNoSlots) {
  EXPECT_EQ(share_cpus({0, 1, 2, 3, 4}, 2), (std::vector<std::vector<int>>{{0, 1}, {2, 3, 4}}));
  EXPECT_EQ(share_cpus({0, 1}, 1), (std::vector<std::vector<int>>{{0, 1}}));
  EXPECT_TRUE(share_cpus({0, 1}, 0).empty());
}

TEST(LocalExecutorTest, EmptyJobIsRejected) {
  LocalExecutor ex(LocalExecutorOptions{});
  auto st = ex.submit("nothing", Job{});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ex.capacity(), 1);
}

TEST(LocalExecutorTest, ConfiguredGpuListIsUsedAsGiven) {
  EXPECT_EQ(resolve_gpus(" 0, 2 ,3"), (std::vector<std::string>{"0", "2", "3"}));
}

}  // namespace
}  // namespace sci::exec
