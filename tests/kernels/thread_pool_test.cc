// The persistent thread pool: every thread runs each region, parallel_for covers the range once,
// regions can follow each other quickly (the decode pattern), and the pool sleeps when idle.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "base/thread_pool.h"

namespace edgellm {
namespace {

TEST(ThreadPool, RunCallsEveryThreadOnce) {
  for (int n : {1, 2, 3, 5}) {
    ThreadPool pool(n);
    EXPECT_EQ(pool.size(), n);
    std::vector<std::atomic<int>> hits(n);
    pool.run([&](int ith, int nth) {
      EXPECT_EQ(nth, n);
      hits[ith].fetch_add(1);
    });
    for (int i = 0; i < n; ++i) EXPECT_EQ(hits[i].load(), 1) << "thread " << i;
  }
}

TEST(ThreadPool, ParallelForCoversTheRangeExactlyOnce) {
  ThreadPool pool(3);
  for (int64_t n : {0, 1, 7, 100, 12345}) {
    std::vector<std::atomic<int>> seen(n);
    pool.parallel_for(n, 3, [&](int64_t b, int64_t e) {
      EXPECT_LT(b, e);
      for (int64_t i = b; i < e; ++i) seen[i].fetch_add(1);
    });
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(seen[i].load(), 1) << "n=" << n << " i=" << i;
  }
}

TEST(ThreadPool, ManyShortRegions) {
  // Decode issues thousands of tiny regions per second; none may be lost or run twice.
  ThreadPool pool(2);
  std::atomic<int64_t> total{0};
  for (int r = 0; r < 20000; ++r) {
    pool.run([&](int ith, int) { total.fetch_add(ith + 1); });
  }
  EXPECT_EQ(total.load(), 20000 * 3);
}

TEST(ThreadPool, WakesAfterSleeping) {
  ThreadPool pool(2);
  std::atomic<int> count{0};
  pool.run([&](int, int) { count.fetch_add(1); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // workers go to sleep
  pool.run([&](int, int) { count.fetch_add(1); });
  EXPECT_EQ(count.load(), 4);
}

TEST(ThreadPool, DefaultSizeIsPhysicalCores) {
  ThreadPool pool;
  EXPECT_GE(pool.size(), 1);
}

}  // namespace
}  // namespace edgellm
