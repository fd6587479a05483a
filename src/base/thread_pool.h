// A persistent pool of worker threads for data-parallel kernels. Threads are started once and
// reused for every parallel region (no thread is created per token). Between regions, workers
// spin briefly and then sleep, so an idle pool costs no CPU.
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

  // Runs fn(ith, nth) once on each of the nth = size() threads; the caller runs ith = 0. Returns
  // when every thread has finished.
  void run(FunctionRef<void(int ith, int nth)> fn);

  // Calls fn(begin, end) over [0, n) in chunks of at least `grain` items, handed out dynamically
  // so that threads finish together even when one is slowed down.
  void parallel_for(int64_t n, int64_t grain, FunctionRef<void(int64_t begin, int64_t end)> fn);

 private:
  void worker_loop(int ith);

  int n_threads_ = 1;
  std::vector<std::thread> workers_;
  FunctionRef<void(int, int)>* job_ = nullptr;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<int> sleepers_{0};
};

}  // namespace edgellm
