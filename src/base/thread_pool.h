// A persistent pool of worker threads for data-parallel kernels. Threads are started once and
// reused for every parallel region (no thread is created per token). Between regions, workers
// spin briefly and then sleep, so an idle pool costs no CPU.
//
// Shared, busy machines: a region's slots are claimed, not assigned. The caller runs slot 0 and
// then claims every slot no worker has claimed yet, so a worker that the OS has descheduled (the
// cores are shared with other processes) delays a region only if it had already started it,
// never for a whole time slice before it even wakes.
//
// One caller at a time: run() and parallel_for() must not be called concurrently from several
// threads on the same pool, and must not be nested.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "base/function_ref.h"

namespace edgellm {

class ThreadPool {
 public:
  // n_threads counts the calling thread: ThreadPool(2) starts one worker. n_threads <= 0 picks
  // the number of physical cores.
  explicit ThreadPool(int n_threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls fn(ith, nth) once for each ith in [0, nth), nth = size(): the caller runs ith = 0, the
  // other slots run on whichever threads claim them first (possibly the caller again, one after
  // the other). Calls that run at the same time have distinct ith. Returns when all have finished.
  void run(FunctionRef<void(int ith, int nth)> fn);

  // Calls fn(begin, end) over [0, n) in chunks of at least `grain` items, handed out dynamically
  // so that threads finish together even when one is slowed down.
  void parallel_for(int64_t n, int64_t grain, FunctionRef<void(int64_t begin, int64_t end)> fn);

 private:
  void worker_loop(int ith);

  int n_threads_ = 1;
  std::vector<std::thread> workers_;
  // Claims the next unclaimed slot of region `gen`; -1 when none is left (or the region is over).
  int claim(uint64_t gen);

  FunctionRef<void(int, int)>* job_ = nullptr;
  std::atomic<uint64_t> generation_{0};
  // (generation << 32) | next unclaimed slot of the current region.
  std::atomic<uint64_t> ticket_{0};
  std::atomic<int> done_{0};  // slots 1.. of the current region that have finished
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<int> sleepers_{0};
};

}  // namespace edgellm
