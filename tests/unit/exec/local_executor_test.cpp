// LocalExecutor: concurrency limit, one job per GPU, CPU shares, GPU id resolution.
#include <atomic>
#include <mutex>
#include <set>

#include <gtest/gtest.h>

#include "exec/executor.h"

namespace sci::exec {
namespace {

TEST(LocalExecutorTest, OneJobPerGpuAndEachJobSeesOnlyItsGpu) {
  LocalExecutor ex(LocalExecutorOptions{{"0", "1"}, 1, 0, 8});
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

TEST(LocalExecutorTest, CpuOnlyMachineSharesTheCoresAmongSlots) {
  LocalExecutor ex(LocalExecutorOptions{{}, 1, 3, 12});
  EXPECT_EQ(ex.capacity(), 3);
  auto a = ex.acquire();
  auto b = ex.acquire();
  auto c = ex.try_acquire();
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(ex.try_acquire().has_value());  // all three slots held
  EXPECT_EQ(a.slot().cpus, 4);
  EXPECT_TRUE(a.slot().gpus.empty());
  std::set<int> slots = {a.slot().slot, b.slot().slot, c->slot().slot};
  EXPECT_EQ(slots.size(), 3u);
  c.reset();
  EXPECT_TRUE(ex.try_acquire().has_value());  // released with the lease
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
