// Sampler: penalties, truncation (top-k, top-p, min-p), temperature and the draw, without
// allocating after the first call and without sorting the whole vocabulary when it can be avoided.
#include "runtime/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace edgellm {

namespace {

using Candidate = Sampler::Candidate;

// Descending logit, ties to the lower id. This is a strict total order (NaN logits are replaced by
// -inf before any comparison), so which tokens a partial selection keeps, and the order of a sorted
// range, do not depend on how the standard library implements nth_element or sort.
bool before(const Candidate& a, const Candidate& b) {
  if (a.logit != b.logit) return a.logit > b.logit;
  return a.id < b.id;
}

constexpr float kNegInf = -std::numeric_limits<float>::infinity();
constexpr size_t kNotReached = std::numeric_limits<size_t>::max();

}  // namespace

Status validate_sampler_params(const SamplerParams& p) {
  auto bad = [](const char* what, double got) {
    return make_error(ErrorCode::kInvalidArgument, "sampler option %s, got %g", what, got);
  };
  if (!(p.temp >= 0) || !std::isfinite(p.temp))
    return bad("temp must be a finite number >= 0", p.temp);
  if (p.top_k < 0) return bad("top_k must be >= 0 (0 disables it)", p.top_k);
  if (!(p.top_p > 0 && p.top_p <= 1)) return bad("top_p must be in (0, 1]", p.top_p);
  if (!(p.min_p >= 0 && p.min_p <= 1)) return bad("min_p must be in [0, 1]", p.min_p);
  if (!(p.repeat_penalty > 0) || !std::isfinite(p.repeat_penalty)) {
    return bad("repeat_penalty must be a finite number > 0 (1 disables it)", p.repeat_penalty);
  }
  if (p.repeat_last_n < 0) {
    return bad("repeat_last_n must be >= 0 (0 disables penalties; resolve -1 to the context size)",
               p.repeat_last_n);
  }
  if (!std::isfinite(p.frequency_penalty)) {
    return bad("frequency_penalty must be a finite number", p.frequency_penalty);
  }
  if (!std::isfinite(p.presence_penalty)) {
    return bad("presence_penalty must be a finite number", p.presence_penalty);
  }
  return Status::Ok();
}

Sampler::Sampler(const SamplerParams& params) : params_(params) {
  seed_ = params.seed;
  if (seed_ == SamplerParams::kRandomSeed) {
    std::random_device rd;
    seed_ = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    if (seed_ == SamplerParams::kRandomSeed) seed_ ^= 1;  // keep seed() reusable as a fixed seed
  }
  rng_.seed(seed_);
  history_.assign(static_cast<size_t>(std::max(0, params.repeat_last_n)), 0);
}

void Sampler::accept(int32_t token) {
  if (history_.empty()) return;
  history_[history_head_] = token;
  history_head_ = (history_head_ + 1) % history_.size();
  history_size_ = std::min(history_size_ + 1, history_.size());
}

void Sampler::reset() {
  history_head_ = 0;
  history_size_ = 0;
  rng_.seed(seed_);
}

double Sampler::uniform01() {
  // The top 53 bits of one 64-bit draw, scaled exactly: the same double on every platform, unlike
  // std::uniform_real_distribution whose algorithm is left to the implementation.
  return static_cast<double>(rng_() >> 11) * 0x1.0p-53;
}

// Penalises work_ in place. Each distinct token in the window is penalised once:
//   repeat:    logit / repeat_penalty if logit > 0, logit * repeat_penalty otherwise (CTRL, with
//   the
//              sign fix llama.cpp uses, so a penalty > 1 always lowers the token's probability);
//   frequency and presence (OpenAI): logit -= count * frequency_penalty + presence_penalty.
void Sampler::apply_penalties(int32_t n_vocab) {
  if (history_size_ == 0) return;
  if (params_.repeat_penalty == 1.0f && params_.frequency_penalty == 0.0f &&
      params_.presence_penalty == 0.0f) {
    return;
  }
  // The window is the history_size_ slots before history_head_; penalties do not depend on order.
  const size_t cap = history_.size();
  auto valid = [n_vocab](int32_t t) { return t >= 0 && t < n_vocab; };
  for (size_t k = 0; k < history_size_; ++k) {
    const int32_t t = history_[(history_head_ + cap - 1 - k) % cap];
    if (valid(t)) ++counts_[t];
  }
  for (size_t k = 0; k < history_size_; ++k) {
    const int32_t t = history_[(history_head_ + cap - 1 - k) % cap];
    if (!valid(t) || counts_[t] == 0) continue;
    const int32_t count = counts_[t];
    counts_[t] = 0;  // once per distinct token; also leaves counts_ zeroed for the next call
    float& logit = work_[t];
    if (logit <= 0) {
      logit *= params_.repeat_penalty;
    } else {
      logit /= params_.repeat_penalty;
    }
    logit -= static_cast<float>(count) * params_.frequency_penalty + params_.presence_penalty;
  }
}

// Puts the best min(m, count) tokens of work_ with logit >= threshold into cand_[0, result),
// sorted. One pass with a heap of the m best so far, whose worst sits at cand_[0]: ids arrive in
// increasing order, so a token beats the worst exactly when its logit is strictly larger, and
// most tokens of a large vocabulary cost a single comparison.
size_t Sampler::select_top(size_t m, float threshold, size_t n_vocab) {
  auto b = cand_.begin();
  size_t size = 0;
  for (size_t i = 0; i < n_vocab; ++i) {
    const float l = work_[i];
    if (!(l >= threshold)) continue;
    if (size < m) {
      cand_[size++] = Candidate{static_cast<int32_t>(i), l, 0.0};
      std::push_heap(b, b + size, before);
    } else if (l > cand_[0].logit) {
      std::pop_heap(b, b + size, before);
      cand_[size - 1] = Candidate{static_cast<int32_t>(i), l, 0.0};
      std::push_heap(b, b + size, before);
    }
  }
  std::sort_heap(b, b + size, before);
  return size;
}

// Copies the tokens of work_ with logit >= threshold into cand_, in id order; returns the count.
size_t Sampler::gather(float threshold, size_t n_vocab) {
  size_t w = 0;
  for (size_t i = 0; i < n_vocab; ++i) {
    if (work_[i] >= threshold) cand_[w++] = Candidate{static_cast<int32_t>(i), work_[i], 0.0};
  }
  return w;
}

// Makes cand_[from, to) hold, in order, the next candidates of the sorted order of cand_[from, n).
void Sampler::sort_prefix(size_t from, size_t to, size_t n) {
  auto b = cand_.begin();
  if (to < n) std::nth_element(b + from, b + to, b + n, before);
  std::sort(b + from, b + to, before);
}

// The shortest prefix of the sorted order of cand_[0, n) whose mass exp(logit - max_logit) reaches
// `target`, sorting in growing chunks from `sorted_end` on. kNotReached if the mass never gets
// there (rounding, or candidates already cut by min-p).
size_t Sampler::top_p_prefix(size_t n, size_t sorted_end, double max_logit, double target) {
  double cum = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i == sorted_end) {
      sorted_end = std::min(n, std::max<size_t>(64, 2 * i));
      sort_prefix(i, sorted_end, n);
    }
    cum += std::exp(static_cast<double>(cand_[i].logit) - max_logit);
    if (cum >= target) return i + 1;
  }
  return kNotReached;
}

// Truncates the (penalised) work_[0, n_vocab) into cand_[0, result): top-k, then top-p and min-p.
// The kept candidates are either sorted with `before` or in id order; both orders are independent
// of the standard library, so the sums here and the draw in sample() see the same sequence
// everywhere.
//
// Top-p and min-p are both measured at temperature 1 on what top-k left (llama.cpp applies the
// temperature last). Min-p compares with the most likely token, which top-p never removes, so the
// two cuts commute and min-p can act as a filter while top-p looks for its prefix.
size_t Sampler::truncate(size_t n_vocab) {
  const bool use_top_p = params_.top_p < 1.0f;
  const bool use_min_p = params_.min_p > 0.0f;
  constexpr float kNoThreshold = kNegInf;

  size_t n = n_vocab;
  bool in_cand = false;  // false: the candidates are all of work_, not yet copied to cand_
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < n_vocab) {
    n = select_top(static_cast<size_t>(params_.top_k), kNoThreshold, n_vocab);
    in_cand = true;  // and sorted
  }
  if (!use_top_p && !use_min_p) return in_cand ? n : gather(kNoThreshold, n_vocab);

  float max_logit = kNegInf;
  if (in_cand) {
    max_logit = cand_[0].logit;
  } else {
    for (size_t i = 0; i < n_vocab; ++i) max_logit = std::max(max_logit, work_[i]);
  }
  // Degenerate row (all -inf, or a +inf): distribution() gives the best candidate everything.
  if (!std::isfinite(max_logit)) return in_cand ? n : gather(kNoThreshold, n_vocab);
  const double max_d = max_logit;

  // Min-p: p_i >= min_p * p_max  <=>  logit_i >= max_logit + log(min_p). Clamping the log at 0
  // keeps the most likely token even for an out-of-range min_p.
  float threshold = kNoThreshold;
  if (use_min_p) {
    threshold =
        static_cast<float>(max_d + std::min(0.0, std::log(static_cast<double>(params_.min_p))));
    threshold = std::min(threshold, max_logit);  // float rounding must not drop the maximum
  }

  if (!use_top_p) {
    if (!in_cand) return gather(threshold, n_vocab);
    size_t m = 1;
    while (m < n && cand_[m].logit >= threshold) ++m;
    return m;
  }

  // Top-p: the normalizer covers every candidate top-k kept, before min-p removes any.
  double z = 0;
  if (in_cand) {
    for (size_t i = 0; i < n; ++i) z += std::exp(static_cast<double>(cand_[i].logit) - max_d);
  } else {
    for (size_t i = 0; i < n_vocab; ++i) z += std::exp(static_cast<double>(work_[i]) - max_d);
  }
  const double target = static_cast<double>(params_.top_p) * z;

  if (in_cand) {
    size_t m = 1;
    while (m < n && cand_[m].logit >= threshold) ++m;
    const size_t cut = top_p_prefix(m, m, max_d, target);
    return cut == kNotReached ? m : cut;
  }
  // Without top-k: peaked distributions usually reach top_p within a few dozen tokens, found by a
  // one-pass heap selection; flatter ones fall back to sorting the min-p survivors in chunks.
  for (size_t m = 64; m <= 4096 && m < n_vocab; m *= 8) {
    const size_t got = select_top(m, threshold, n_vocab);
    const size_t cut = top_p_prefix(got, got, max_d, target);
    if (cut != kNotReached) return cut;
    if (got < m) return got;  // every survivor is in cand_
  }
  const size_t survivors = gather(threshold, n_vocab);
  const size_t cut = top_p_prefix(survivors, 0, max_d, target);
  return cut == kNotReached ? survivors : cut;
}

std::span<const Sampler::Candidate> Sampler::distribution(const float* logits, int32_t n_vocab) {
  if (logits == nullptr || n_vocab <= 0) return {};
  const size_t nv = static_cast<size_t>(n_vocab);
  if (cand_.size() < nv) cand_.resize(nv);
  if (work_.size() < nv) work_.resize(nv);
  if (counts_.size() < nv) counts_.resize(nv, 0);
  for (size_t i = 0; i < nv; ++i) {
    const float l = logits[i];
    work_[i] = std::isnan(l) ? kNegInf : l;
  }
  apply_penalties(n_vocab);

  auto only = [this](Candidate c) {
    c.p = 1.0;
    cand_[0] = c;
    return std::span<const Candidate>(cand_.data(), 1);
  };

  if (params_.temp <= 0) {
    size_t best = 0;  // strict > keeps the lowest id among equal logits
    for (size_t i = 1; i < nv; ++i) {
      if (work_[i] > work_[best]) best = i;
    }
    return only(Candidate{static_cast<int32_t>(best), work_[best], 1.0});
  }

  const size_t n = truncate(nv);
  size_t best = 0;
  for (size_t i = 1; i < n; ++i) {
    if (before(cand_[i], cand_[best])) best = i;
  }
  const double max_d = cand_[best].logit;
  // All -inf (nothing to weigh) or some +inf (infinitely more likely): the best one takes it all.
  if (!std::isfinite(max_d)) return only(cand_[best]);

  // Softmax at the temperature, in double: exp of (logit - max) / temp is at most 1, so the sum
  // cannot overflow and is at least 1.
  const double inv_temp = 1.0 / static_cast<double>(params_.temp);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const double e = std::exp((static_cast<double>(cand_[i].logit) - max_d) * inv_temp);
    cand_[i].p = e;
    sum += e;
  }
  const double inv_sum = 1.0 / sum;
  for (size_t i = 0; i < n; ++i) cand_[i].p *= inv_sum;
  return std::span<const Candidate>(cand_.data(), n);
}

int32_t Sampler::sample(const float* logits, int32_t n_vocab) {
  const std::span<const Candidate> dist = distribution(logits, n_vocab);
  if (dist.empty()) return -1;
  if (params_.temp <= 0) return dist[0].id;  // greedy draws nothing from the RNG

  // Inverse-CDF draw in the candidates' (library-independent) order. One RNG step per call, even
  // when a single candidate is left, so the stream position depends only on the number of calls.
  const double u = uniform01();
  double cum = 0;
  size_t last_nonzero = 0;
  for (size_t i = 0; i < dist.size(); ++i) {
    if (dist[i].p <= 0) continue;
    cum += dist[i].p;
    last_nonzero = i;
    if (u < cum) return dist[i].id;
  }
  return dist[last_nonzero].id;  // rounding left cum just below u
}

}  // namespace edgellm
