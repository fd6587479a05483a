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

}  // namespace

Status validate_sampler_params(const SamplerParams& p) {
  auto bad = [](const char* what, double got) {
    return make_error(ErrorCode::kInvalidArgument, "sampler option %s, got %g", what, got);
  };
  if (!(p.temp >= 0) || !std::isfinite(p.temp)) return bad("temp must be a finite number >= 0", p.temp);
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

// Expects cand_[i].id == i. Each distinct token in the window is penalised once:
//   repeat:    logit / repeat_penalty if logit > 0, logit * repeat_penalty otherwise (CTRL, with the
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
    float& logit = cand_[t].logit;
    if (logit <= 0) {
      logit *= params_.repeat_penalty;
    } else {
      logit /= params_.repeat_penalty;
    }
    logit -= static_cast<float>(count) * params_.frequency_penalty + params_.presence_penalty;
  }
}

// Makes cand_[from, to) hold, in order, the next candidates of the sorted order of cand_[from, n).
void Sampler::sort_prefix(size_t from, size_t to, size_t n) {
  auto b = cand_.begin();
  if (to < n) std::nth_element(b + from, b + to, b + n, before);
  std::sort(b + from, b + to, before);
}

// On entry cand_[0, n) is in id order. On return the kept candidates are cand_[0, result), either
// sorted with `before` or still in id order; both orders are independent of the library, so the
// sums below and the draw in sample() see the same sequence everywhere.
//
// Top-p and min-p are both measured at temperature 1 on what top-k left (llama.cpp applies the
// temperature last). Min-p compares with the most likely token, which top-p never removes, so the
// two cuts commute: min-p runs first because it needs no order and usually leaves few tokens.
size_t Sampler::truncate(size_t n) {
  const bool use_top_p = params_.top_p < 1.0f;
  const bool use_min_p = params_.min_p > 0.0f;
  bool sorted = false;

  // Top-k: a linear-time selection, then a sort of only the k kept.
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < n) {
    sort_prefix(0, static_cast<size_t>(params_.top_k), n);
    n = static_cast<size_t>(params_.top_k);
    sorted = true;
  }
  if (!use_top_p && !use_min_p) return n;

  float max_logit = cand_[0].logit;
  if (!sorted) {
    for (size_t i = 1; i < n; ++i) max_logit = std::max(max_logit, cand_[i].logit);
  }
  if (!std::isfinite(max_logit)) return n;  // degenerate row: distribution() picks the best
  const double max_d = max_logit;

  // Normalizer of the top-p mass, over every candidate top-k kept (before min-p cuts any).
  double z = 0;
  if (use_top_p) {
    for (size_t i = 0; i < n; ++i) z += std::exp(static_cast<double>(cand_[i].logit) - max_d);
  }

  // Min-p: p_i >= min_p * p_max  <=>  logit_i >= max_logit + log(min_p). Clamping the log at 0
  // keeps the most likely token even for an out-of-range min_p.
  if (use_min_p) {
    const double threshold = max_d + std::min(0.0, std::log(static_cast<double>(params_.min_p)));
    if (sorted) {
      size_t m = 1;
      while (m < n && cand_[m].logit >= threshold) ++m;
      n = m;
    } else {
      size_t w = 0;  // stable in-place compaction: survivors stay in id order
      for (size_t i = 0; i < n; ++i) {
        if (cand_[i].logit >= threshold) cand_[w++] = cand_[i];
      }
      n = w;
    }
  }

  // Top-p: the shortest prefix of the sorted candidates whose mass reaches top_p (at least one).
  // Without top-k the candidates are sorted in growing chunks, so a peaked distribution over a
  // large vocabulary costs a selection or two instead of a full sort.
  if (use_top_p) {
    const double target = static_cast<double>(params_.top_p) * z;
    size_t sorted_end = sorted ? n : 0;
    double cum = 0;
    for (size_t i = 0; i < n; ++i) {
      if (i == sorted_end) {
        sorted_end = std::min(n, std::max<size_t>(64, 2 * i));
        sort_prefix(i, sorted_end, n);
      }
      cum += std::exp(static_cast<double>(cand_[i].logit) - max_d);
      if (cum >= target) {
        n = i + 1;
        break;
      }
    }
  }
  return n;
}

std::span<const Sampler::Candidate> Sampler::distribution(const float* logits, int32_t n_vocab) {
  if (logits == nullptr || n_vocab <= 0) return {};
  const size_t nv = static_cast<size_t>(n_vocab);
  if (cand_.size() < nv) cand_.resize(nv);
  if (counts_.size() < nv) counts_.resize(nv, 0);
  for (size_t i = 0; i < nv; ++i) {
    const float l = logits[i];
    cand_[i] = Candidate{static_cast<int32_t>(i), std::isnan(l) ? kNegInf : l, 0.0};
  }
  apply_penalties(n_vocab);

  auto only = [this](size_t best) {
    cand_[0] = cand_[best];
    cand_[0].p = 1.0;
    return std::span<const Candidate>(cand_.data(), 1);
  };

  if (params_.temp <= 0) {
    size_t best = 0;  // strict > keeps the lowest id among equal logits
    for (size_t i = 1; i < nv; ++i) {
      if (cand_[i].logit > cand_[best].logit) best = i;
    }
    return only(best);
  }

  const size_t n = truncate(nv);
  size_t best = 0;
  for (size_t i = 1; i < n; ++i) {
    if (before(cand_[i], cand_[best])) best = i;
  }
  const double max_d = cand_[best].logit;
  // All -inf (nothing to weigh) or some +inf (infinitely more likely): the best one takes it all.
  if (!std::isfinite(max_d)) return only(best);

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
