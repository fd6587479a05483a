// Quality metrics over logits rows, for perplexity and KL-divergence runs: log-softmax, token
// negative log-likelihood, KL(P_base || P), argmax agreement, and an accumulator reporting means
// with standard errors the way llama-perplexity does.
#pragma once

#include <cstdint>

namespace edgellm {

// log(sum_i exp(logits[i])) in double, shifted by the maximum so it neither overflows nor
// underflows. NaN if n_vocab <= 0 or logits is null; -inf if every logit is -inf.
double log_sum_exp(const float* logits, int n_vocab);

// out[i] = logits[i] - log_sum_exp(logits) for i in [0, n_vocab). `out` has n_vocab elements.
// Does nothing if n_vocab <= 0 or a pointer is null.
void log_softmax(const float* logits, int n_vocab, double* out);

// -log P(target) under softmax(logits). NaN if target is outside [0, n_vocab) or the row is empty.
double token_nll(const float* logits, int n_vocab, int32_t target);

// KL(P_base || P) = sum_i P_base(i) * (log P_base(i) - log P(i)), in nats, from the log-softmax of
// both rows (no buffer needed). 0 for identical rows; +inf if P gives zero probability to a token
// P_base does not. NaN if the row is empty.
double kl_divergence(const float* base_logits, const float* logits, int n_vocab);

// Index of the largest logit, ties to the lowest index; NaN logits never win. -1 for an empty row.
int32_t argmax(const float* logits, int n_vocab);

// Whether the two rows have the same argmax.
bool same_top(const float* base_logits, const float* logits, int n_vocab);

// Mean and variance of a stream of values, by Welford's update (stable where sum and sum of
// squares would cancel). Mergeable, so threads can keep their own and combine them.
struct RunningMean {
  int64_t n = 0;
  double mean = 0;
  double m2 = 0;  // sum of squared deviations from the mean

  void add(double x);
  void merge(const RunningMean& other);
  // Sample variance (divides by n - 1); NaN when n < 2.
  double variance() const;
  // Standard error of the mean, sqrt(variance / n); NaN when n < 2.
  double stderr_mean() const;
};

// Accumulates per-position results of a perplexity or KL-divergence run. Not thread-safe; give
// each thread its own and merge().
struct QualityStats {
  RunningMean nll;    // negative log-likelihood of the target token, nats
  RunningMean kld;    // KL(P_base || P), nats
  int64_t n_top = 0;  // positions compared for argmax agreement
  int64_t same_top = 0;

  void add_nll(double value) { nll.add(value); }
  void add_kld(double value) { kld.add(value); }
  void add_top(bool same) {
    ++n_top;
    if (same) ++same_top;
  }
  void merge(const QualityStats& other);

  // Perplexity exp(mean NLL), and its standard error by the delta method: ppl * stderr(mean NLL).
  double ppl() const;
  double ppl_stderr() const;
  double mean_kld() const { return kld.mean; }
  double kld_stderr() const { return kld.stderr_mean(); }
  // Fraction of positions whose argmax agrees, and its binomial standard error
  // sqrt(f (1 - f) / (n - 1)); NaN when fewer than 2 positions (or none, for the fraction).
  double same_top_fraction() const;
  double same_top_stderr() const;
};

}  // namespace edgellm
