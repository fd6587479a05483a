// Log-softmax based quality metrics in double precision, and their running statistics.
#include "runtime/metrics.h"

#include <cmath>
#include <limits>

namespace edgellm {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

// Summing exp(x - max) in double: every term is <= 1 and the largest is exactly 1, so the sum is in
// [1, n] and its log loses nothing even for a 256k vocabulary where float would drop small terms.
double log_sum_exp(const float* logits, int n_vocab) {
  if (logits == nullptr || n_vocab <= 0) return kNaN;
  double max = -kInf;
  for (int i = 0; i < n_vocab; ++i) {
    if (logits[i] > max) max = logits[i];
  }
  if (max == -kInf) return -kInf;
  if (max == kInf) return kInf;
  double sum = 0;
  for (int i = 0; i < n_vocab; ++i) sum += std::exp(static_cast<double>(logits[i]) - max);
  return max + std::log(sum);
}

void log_softmax(const float* logits, int n_vocab, double* out) {
  if (logits == nullptr || out == nullptr || n_vocab <= 0) return;
  const double lse = log_sum_exp(logits, n_vocab);
  for (int i = 0; i < n_vocab; ++i) out[i] = static_cast<double>(logits[i]) - lse;
}

double token_nll(const float* logits, int n_vocab, int32_t target) {
  if (logits == nullptr || n_vocab <= 0 || target < 0 || target >= n_vocab) return kNaN;
  return log_sum_exp(logits, n_vocab) - static_cast<double>(logits[target]);
}

double kl_divergence(const float* base_logits, const float* logits, int n_vocab) {
  if (base_logits == nullptr || logits == nullptr || n_vocab <= 0) return kNaN;
  const double lse_base = log_sum_exp(base_logits, n_vocab);
  const double lse = log_sum_exp(logits, n_vocab);
  double kl = 0;
  for (int i = 0; i < n_vocab; ++i) {
    const double lp_base = static_cast<double>(base_logits[i]) - lse_base;
    if (lp_base == -kInf) continue;  // 0 * log(0 / q) = 0, whatever q is
    const double lp = static_cast<double>(logits[i]) - lse;
    kl += std::exp(lp_base) * (lp_base - lp);
  }
  // Rounding can leave a tiny negative value for nearly identical rows; KL is never negative.
  return kl < 0 ? 0.0 : kl;
}

int32_t argmax(const float* logits, int n_vocab) {
  if (logits == nullptr || n_vocab <= 0) return -1;
  int32_t best = 0;
  for (int i = 1; i < n_vocab; ++i) {
    // Written so a NaN at index 0 loses to any number after it.
    if (logits[i] > logits[best] || (std::isnan(logits[best]) && !std::isnan(logits[i]))) best = i;
  }
  return best;
}

bool same_top(const float* base_logits, const float* logits, int n_vocab) {
  return argmax(base_logits, n_vocab) == argmax(logits, n_vocab);
}

void RunningMean::add(double x) {
  ++n;
  const double delta = x - mean;
  mean += delta / static_cast<double>(n);
  m2 += delta * (x - mean);
}

void RunningMean::merge(const RunningMean& other) {
  if (other.n == 0) return;
  if (n == 0) {
    *this = other;
    return;
  }
  // Chan et al.'s pairwise combination.
  const double na = static_cast<double>(n), nb = static_cast<double>(other.n);
  const double delta = other.mean - mean;
  const double total = na + nb;
  mean += delta * nb / total;
  m2 += other.m2 + delta * delta * na * nb / total;
  n += other.n;
}

double RunningMean::variance() const { return n < 2 ? kNaN : m2 / static_cast<double>(n - 1); }

double RunningMean::stderr_mean() const {
  return n < 2 ? kNaN : std::sqrt(variance() / static_cast<double>(n));
}

void QualityStats::merge(const QualityStats& other) {
  nll.merge(other.nll);
  kld.merge(other.kld);
  n_top += other.n_top;
  same_top += other.same_top;
}

double QualityStats::ppl() const { return nll.n == 0 ? kNaN : std::exp(nll.mean); }

// d exp(m) / dm = exp(m), so a standard error s on the mean NLL becomes ppl * s on the perplexity.
double QualityStats::ppl_stderr() const { return ppl() * nll.stderr_mean(); }

double QualityStats::same_top_fraction() const {
  return n_top == 0 ? kNaN : static_cast<double>(same_top) / static_cast<double>(n_top);
}

double QualityStats::same_top_stderr() const {
  if (n_top < 2) return kNaN;
  const double f = same_top_fraction();
  return std::sqrt(f * (1.0 - f) / static_cast<double>(n_top - 1));
}

}  // namespace edgellm
