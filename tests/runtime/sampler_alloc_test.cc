// The decode loop does not allocate: after its first call with a vocabulary size, Sampler::sample
// makes no heap allocation. Counts calls to the replaced global operator new.
#include <atomic>
#include <cstdlib>
#include <new>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/sampler.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace edgellm {
namespace {

TEST(SamplerAlloc, SampleDoesNotAllocateAfterTheFirstCall) {
  const int n = 32000;
  std::vector<float> logits(n);
  std::mt19937 gen(1);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  for (float& l : logits) l = normal(gen);

  SamplerParams configs[4];
  configs[0].seed = 1;  // defaults
  configs[1].seed = 2;
  configs[1].top_k = 0;  // chunked top-p and min-p over the whole vocabulary
  configs[1].repeat_penalty = 1.3f;
  configs[1].frequency_penalty = 0.2f;
  configs[2].temp = 0;  // greedy
  configs[2].presence_penalty = 1;
  configs[3].seed = 3;
  configs[3].top_k = 0;
  configs[3].top_p = 1;
  configs[3].min_p = 0;
  for (const SamplerParams& p : configs) {
    Sampler s(p);
    for (int t = 0; t < 100; ++t) s.accept(t * 7 % n);
    s.accept(s.sample(logits.data(), n));
    const long before = g_allocations.load();
    for (int step = 0; step < 20; ++step) {
      logits[step] += 1.0f;
      s.accept(s.sample(logits.data(), n));
    }
    EXPECT_EQ(g_allocations.load() - before, 0) << "top_k " << p.top_k << " temp " << p.temp;
  }
}

}  // namespace
}  // namespace edgellm
