// Persistent thread pool: a generation counter wakes workers, an atomic counter reports them done.
#include "base/thread_pool.h"

#include <algorithm>

#include "base/sysinfo.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define EDGELLM_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define EDGELLM_CPU_RELAX() asm volatile("yield" ::: "memory")
#else
#define EDGELLM_CPU_RELAX() ((void)0)
#endif

namespace edgellm {
namespace {
// How long a worker spins for the next region before sleeping. Decode issues a region every few
// microseconds, so spinning avoids a futex wake per matmul; after this many polls the pool sleeps.
constexpr int kSpinIterations = 1 << 16;
// How long the caller spins for the workers to finish a region before yielding the core.
constexpr int kWaitSpins = 1 << 12;
}  // namespace

ThreadPool::ThreadPool(int n_threads) {
  n_threads_ = n_threads > 0 ? n_threads : physical_core_count();
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true);
    generation_.fetch_add(1);
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

int ThreadPool::claim(uint64_t gen) {
  uint64_t t = ticket_.load(std::memory_order_acquire);
  for (;;) {
    const int slot = static_cast<int>(t & 0xffffffffu);
    if ((t >> 32) != (gen & 0xffffffffu) || slot >= n_threads_) return -1;
    if (ticket_.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel)) return slot;
  }
}

void ThreadPool::worker_loop(int) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t gen = generation_.load(std::memory_order_acquire);
    for (int spin = 0; gen == seen && spin < kSpinIterations; ++spin) {
      EDGELLM_CPU_RELAX();
      gen = generation_.load(std::memory_order_acquire);
    }
    if (gen == seen) {
      std::unique_lock<std::mutex> lock(mu_);
      sleepers_.fetch_add(1);
      cv_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
      sleepers_.fetch_sub(1);
      gen = generation_.load(std::memory_order_acquire);
    }
    seen = gen;
    if (stop_.load()) return;
    // A slot claimed for generation `gen` keeps the caller waiting, so job_ is still valid.
    for (int slot; (slot = claim(gen)) >= 0;) {
      (*job_)(slot, n_threads_);
      done_.fetch_add(1, std::memory_order_acq_rel);
    }
  }
}

void ThreadPool::run(FunctionRef<void(int, int)> fn) {
  if (n_threads_ == 1) {
    fn(0, 1);
    return;
  }
  job_ = &fn;
  done_.store(0, std::memory_order_relaxed);
  uint64_t gen;
  {
    // Under the mutex, so that a worker about to sleep either sees the new generation or is
    // already waiting and gets the notification.
    std::lock_guard<std::mutex> lock(mu_);
    gen = generation_.load(std::memory_order_relaxed) + 1;
    ticket_.store(((gen & 0xffffffffu) << 32) | 1u, std::memory_order_release);
    generation_.store(gen, std::memory_order_release);
  }
  if (sleepers_.load() > 0) cv_.notify_all();
  fn(0, n_threads_);
  // Run the slots that no worker has picked up yet instead of waiting for them to wake.
  for (int slot; (slot = claim(gen)) >= 0;) {
    fn(slot, n_threads_);
    done_.fetch_add(1, std::memory_order_acq_rel);
  }
  // A worker still inside a slot may have been descheduled: after a short spin, give the core
  // away so that it can run (on an oversubscribed machine it may be waiting for this very core).
  for (int spin = 0; done_.load(std::memory_order_acquire) != n_threads_ - 1; ++spin) {
    if (spin < kWaitSpins) {
      EDGELLM_CPU_RELAX();
    } else {
      std::this_thread::yield();
    }
  }
  job_ = nullptr;
}

void ThreadPool::parallel_for(int64_t n, int64_t grain, FunctionRef<void(int64_t, int64_t)> fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  if (n_threads_ == 1 || n <= grain) {
    fn(0, n);
    return;
  }
  // Chunks: about 4 per thread, no smaller than grain, so a slow thread can be helped.
  const int64_t chunk = std::max<int64_t>(grain, (n + 4 * n_threads_ - 1) / (4 * n_threads_));
  std::atomic<int64_t> next{0};
  run([&](int, int) {
    for (;;) {
      const int64_t begin = next.fetch_add(chunk, std::memory_order_relaxed);
      if (begin >= n) break;
      fn(begin, std::min(n, begin + chunk));
    }
  });
}

}  // namespace edgellm
