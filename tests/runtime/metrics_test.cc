// Quality metrics against values computed by hand.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/metrics.h"

namespace edgellm {
namespace {

TEST(Metrics, UniformLogitsGiveLogN) {
  for (int n : {1, 2, 10, 256000}) {
    std::vector<float> logits(n, 3.25f);
    EXPECT_NEAR(token_nll(logits.data(), n, n - 1), std::log(static_cast<double>(n)), 1e-9) << n;
    EXPECT_NEAR(log_sum_exp(logits.data(), n), 3.25 + std::log(static_cast<double>(n)), 1e-9);
  }
}

TEST(Metrics, LogSoftmaxIsStableForHugeLogits) {
  const float logits[] = {1000.0f, 1000.0f, -1000.0f};
  double out[3];
  log_softmax(logits, 3, out);
  EXPECT_NEAR(out[0], -std::log(2.0), 1e-12);
  EXPECT_NEAR(out[1], -std::log(2.0), 1e-12);
  EXPECT_NEAR(out[2], -2000.0 - std::log(2.0), 1e-9);
  EXPECT_NEAR(token_nll(logits, 3, 2), 2000.0 + std::log(2.0), 1e-9);
}

TEST(Metrics, TokenNllOfKnownDistribution) {
  // p = 0.7, 0.2, 0.1
  const float logits[] = {std::log(0.7f), std::log(0.2f), std::log(0.1f)};
  EXPECT_NEAR(token_nll(logits, 3, 0), -std::log(0.7), 1e-6);
  EXPECT_NEAR(token_nll(logits, 3, 2), -std::log(0.1), 1e-6);
  EXPECT_TRUE(std::isnan(token_nll(logits, 3, 3)));
  EXPECT_TRUE(std::isnan(token_nll(logits, 3, -1)));
  EXPECT_TRUE(std::isnan(token_nll(logits, 0, 0)));
}

TEST(Metrics, KlOfIdenticalRowsIsZero) {
  const float a[] = {0.3f, -1.0f, 2.5f, 0.0f};
  EXPECT_NEAR(kl_divergence(a, a, 4), 0.0, 1e-15);
  const float shifted[] = {10.3f, 9.0f, 12.5f, 10.0f};  // same distribution, different logits
  EXPECT_NEAR(kl_divergence(a, shifted, 4), 0.0, 1e-12);
}

TEST(Metrics, KlOfKnownDistributions) {
  // P = (0.5, 0.5), Q = (0.9, 0.1): KL(P||Q) = 0.5 ln(0.5/0.9) + 0.5 ln(0.5/0.1).
  const float p[] = {0.0f, 0.0f};
  const float q[] = {std::log(0.9f), std::log(0.1f)};
  const double expected = 0.5 * std::log(0.5 / 0.9) + 0.5 * std::log(0.5 / 0.1);
  EXPECT_NEAR(kl_divergence(p, q, 2), expected, 1e-7);
  // And the other direction differs: KL(Q||P) = 0.9 ln(0.9/0.5) + 0.1 ln(0.1/0.5).
  EXPECT_NEAR(kl_divergence(q, p, 2), 0.9 * std::log(0.9 / 0.5) + 0.1 * std::log(0.1 / 0.5), 1e-7);
}

TEST(Metrics, KlWithZeroProbabilities) {
  const float base[] = {0.0f, -INFINITY};
  const float other[] = {0.0f, 0.0f};
  EXPECT_NEAR(kl_divergence(base, other, 2), std::log(2.0), 1e-12);  // base's zero adds nothing
  EXPECT_EQ(kl_divergence(other, base, 2), INFINITY);
}

TEST(Metrics, ArgmaxAndSameTop) {
  const float a[] = {1.0f, 3.0f, 3.0f, 0.0f};
  const float b[] = {5.0f, 4.0f, 0.0f, 0.0f};
  const float c[] = {NAN, 0.0f, -1.0f};
  EXPECT_EQ(argmax(a, 4), 1);
  EXPECT_EQ(argmax(b, 4), 0);
  EXPECT_EQ(argmax(c, 3), 1);
  EXPECT_EQ(argmax(a, 0), -1);
  EXPECT_FALSE(same_top(a, b, 4));
  EXPECT_TRUE(same_top(a, a, 4));
}

TEST(RunningMean, MatchesTwoPassStatistics) {
  const std::vector<double> xs = {2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0};
  RunningMean m;
  for (double x : xs) m.add(x);
  EXPECT_EQ(m.n, 8);
  EXPECT_DOUBLE_EQ(m.mean, 5.0);
  EXPECT_NEAR(m.variance(), 32.0 / 7.0, 1e-12);
  EXPECT_NEAR(m.stderr_mean(), std::sqrt(32.0 / 7.0 / 8.0), 1e-12);
  // Merging halves gives the same result.
  RunningMean a, b;
  for (size_t i = 0; i < 3; ++i) a.add(xs[i]);
  for (size_t i = 3; i < xs.size(); ++i) b.add(xs[i]);
  a.merge(b);
  EXPECT_EQ(a.n, 8);
  EXPECT_NEAR(a.mean, 5.0, 1e-12);
  EXPECT_NEAR(a.variance(), 32.0 / 7.0, 1e-12);
  RunningMean one;
  one.add(1.0);
  EXPECT_TRUE(std::isnan(one.stderr_mean()));
}

TEST(QualityStats, PerplexityAndErrors) {
  QualityStats s;
  // NLLs with mean ln(4): ppl = 4.
  const double l4 = std::log(4.0);
  for (double d : {-0.5, 0.5, -0.25, 0.25}) s.add_nll(l4 + d);
  EXPECT_NEAR(s.ppl(), 4.0, 1e-12);
  // Sample variance of {-0.5, 0.5, -0.25, 0.25} = 0.625 / 3; stderr = sqrt(var / 4).
  const double se = std::sqrt(0.625 / 3.0 / 4.0);
  EXPECT_NEAR(s.nll.stderr_mean(), se, 1e-12);
  EXPECT_NEAR(s.ppl_stderr(), 4.0 * se, 1e-12);

  for (double k : {0.01, 0.03}) s.add_kld(k);
  EXPECT_NEAR(s.mean_kld(), 0.02, 1e-15);
  EXPECT_NEAR(s.kld_stderr(), std::sqrt(0.0002 / 2.0), 1e-12);

  for (bool same : {true, true, true, false}) s.add_top(same);
  EXPECT_DOUBLE_EQ(s.same_top_fraction(), 0.75);
  EXPECT_NEAR(s.same_top_stderr(), std::sqrt(0.75 * 0.25 / 3.0), 1e-12);

  QualityStats other;
  other.add_top(false);
  other.add_nll(l4);
  s.merge(other);
  EXPECT_EQ(s.n_top, 5);
  EXPECT_EQ(s.same_top, 3);
  EXPECT_EQ(s.nll.n, 5);
  EXPECT_NEAR(s.ppl(), 4.0, 1e-12);

  const QualityStats empty;
  EXPECT_TRUE(std::isnan(empty.ppl()));
  EXPECT_TRUE(std::isnan(empty.same_top_fraction()));
}

}  // namespace
}  // namespace edgellm
