// Sampler: each stage on hand-made logits, sampling frequencies against softmax, determinism and
// parameter validation.
#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/sampler.h"

namespace edgellm {
namespace {

// Params with every stage off and a fixed seed; each test turns on what it checks.
SamplerParams plain(uint64_t seed = 1234) {
  SamplerParams p;
  p.temp = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.repeat_penalty = 1.0f;
  p.frequency_penalty = 0;
  p.presence_penalty = 0;
  p.seed = seed;
  return p;
}

std::vector<int32_t> ids(std::span<const Sampler::Candidate> d) {
  std::vector<int32_t> out;
  for (const auto& c : d) out.push_back(c.id);
  return out;
}

double prob_of(std::span<const Sampler::Candidate> d, int32_t id) {
  for (const auto& c : d) {
    if (c.id == id) return c.p;
  }
  return 0;
}

TEST(SamplerParams, DefaultsMatchLlamaCli) {
  const SamplerParams p;
  EXPECT_FLOAT_EQ(p.temp, 0.8f);
  EXPECT_EQ(p.top_k, 40);
  EXPECT_FLOAT_EQ(p.top_p, 0.95f);
  EXPECT_FLOAT_EQ(p.min_p, 0.05f);
  EXPECT_FLOAT_EQ(p.repeat_penalty, 1.0f);
  EXPECT_EQ(p.repeat_last_n, 64);
  EXPECT_EQ(p.frequency_penalty, 0.0f);
  EXPECT_EQ(p.presence_penalty, 0.0f);
  EXPECT_EQ(p.seed, SamplerParams::kRandomSeed);
  EXPECT_TRUE(validate_sampler_params(p).ok());
}

TEST(SamplerParams, ValidationNamesTheOption) {
  struct Case {
    void (*mutate)(SamplerParams&);
    const char* name;
  };
  const Case cases[] = {
      {[](SamplerParams& p) { p.temp = -0.1f; }, "temp"},
      {[](SamplerParams& p) { p.temp = NAN; }, "temp"},
      {[](SamplerParams& p) { p.top_k = -1; }, "top_k"},
      {[](SamplerParams& p) { p.top_p = 0.0f; }, "top_p"},
      {[](SamplerParams& p) { p.top_p = 1.5f; }, "top_p"},
      {[](SamplerParams& p) { p.min_p = -0.01f; }, "min_p"},
      {[](SamplerParams& p) { p.min_p = 1.01f; }, "min_p"},
      {[](SamplerParams& p) { p.repeat_penalty = 0.0f; }, "repeat_penalty"},
      {[](SamplerParams& p) { p.repeat_last_n = -1; }, "repeat_last_n"},
      {[](SamplerParams& p) { p.frequency_penalty = INFINITY; }, "frequency_penalty"},
      {[](SamplerParams& p) { p.presence_penalty = NAN; }, "presence_penalty"},
  };
  for (const Case& c : cases) {
    SamplerParams p;
    c.mutate(p);
    const Status st = validate_sampler_params(p);
    ASSERT_FALSE(st.ok()) << c.name;
    EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(st.message().find(c.name), std::string::npos) << st.message();
  }
  SamplerParams edge;
  edge.temp = 0;
  edge.top_k = 0;
  edge.top_p = 1;
  edge.min_p = 1;
  edge.repeat_last_n = 0;
  EXPECT_TRUE(validate_sampler_params(edge).ok());
}

TEST(Sampler, GreedyPicksArgmaxWithTiesToLowestId) {
  SamplerParams p = plain();
  p.temp = 0;
  Sampler s(p);
  const float logits[] = {1.0f, 3.0f, -2.0f, 3.0f, 0.5f};
  EXPECT_EQ(s.sample(logits, 5), 1);
  const float all_equal[] = {0.0f, 0.0f, 0.0f};
  EXPECT_EQ(s.sample(all_equal, 3), 0);
  const float with_nan[] = {NAN, -1.0f, NAN};
  EXPECT_EQ(s.sample(with_nan, 3), 1);
  p.temp = -1;  // also greedy
  Sampler neg(p);
  EXPECT_EQ(neg.sample(logits, 5), 1);
}

TEST(Sampler, EmptyInputReturnsMinusOne) {
  Sampler s(plain());
  const float one = 0;
  EXPECT_EQ(s.sample(nullptr, 4), -1);
  EXPECT_EQ(s.sample(&one, 0), -1);
  EXPECT_TRUE(s.distribution(&one, -3).empty());
}

TEST(Sampler, TopKKeepsTheKLargest) {
  SamplerParams p = plain();
  p.top_k = 3;
  Sampler s(p);
  const float logits[] = {0.1f, 5.0f, -1.0f, 4.0f, 2.0f, 4.0f, 3.0f};
  // 5.0 (id 1), then the tie 4.0 (ids 3, 5) in id order.
  EXPECT_EQ(ids(s.distribution(logits, 7)), (std::vector<int32_t>{1, 3, 5}));
  for (int i = 0; i < 200; ++i) {
    const int32_t t = s.sample(logits, 7);
    EXPECT_TRUE(t == 1 || t == 3 || t == 5) << t;
  }
  p.top_k = 100;  // larger than the vocabulary: keeps all
  Sampler all(p);
  EXPECT_EQ(all.distribution(logits, 7).size(), 7u);
}

TEST(Sampler, TopKTieAtTheBoundaryKeepsLowerIds) {
  SamplerParams p = plain();
  p.top_k = 2;
  Sampler s(p);
  const float logits[] = {1, 2, 2, 2, 0};
  EXPECT_EQ(ids(s.distribution(logits, 5)), (std::vector<int32_t>{1, 2}));
}

TEST(Sampler, TopPKeepsTheTokenThatCrossesTheThreshold) {
  // Probabilities 0.5, 0.25, 0.125, 0.125 (as logits: log of them).
  const float logits[] = {std::log(0.125f), std::log(0.5f), std::log(0.125f), std::log(0.25f)};
  auto kept = [&](float top_p) {
    SamplerParams p = plain();
    p.top_p = top_p;
    Sampler s(p);
    return ids(s.distribution(logits, 4));
  };
  EXPECT_EQ(kept(0.4f), (std::vector<int32_t>{1}));
  EXPECT_EQ(kept(0.5f), (std::vector<int32_t>{1}));  // 0.5 alone reaches 0.5
  EXPECT_EQ(kept(0.6f), (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(kept(0.75f), (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(kept(0.8f), (std::vector<int32_t>{1, 3, 0}));  // tie 0.125 (ids 0, 2): lower id first
  EXPECT_EQ(kept(0.01f), (std::vector<int32_t>{1}));       // at least one
  EXPECT_EQ(kept(1.0f).size(), 4u);
}

TEST(Sampler, TopPIsMeasuredAfterTopK) {
  // After top-k = 2 the probabilities are 2/3 and 1/3: top_p 0.6 keeps one, 0.7 keeps two.
  const float logits[] = {std::log(0.4f), std::log(0.2f), std::log(0.2f), std::log(0.2f)};
  SamplerParams p = plain();
  p.top_k = 2;
  p.top_p = 0.6f;
  EXPECT_EQ(Sampler(p).distribution(logits, 4).size(), 1u);
  p.top_p = 0.7f;
  EXPECT_EQ(Sampler(p).distribution(logits, 4).size(), 2u);
}

TEST(Sampler, MinPIsRelativeToTheMostLikelyToken) {
  // p = 0.5, 0.3, 0.1, 0.06, 0.04: min_p 0.1 keeps p >= 0.05.
  const float logits[] = {std::log(0.06f), std::log(0.5f), std::log(0.04f), std::log(0.3f),
                          std::log(0.1f)};
  SamplerParams p = plain();
  p.min_p = 0.1f;
  Sampler s(p);
  // No stage needed an order, so survivors stay in id order.
  EXPECT_EQ(ids(s.distribution(logits, 5)), (std::vector<int32_t>{0, 1, 3, 4}));
  p.min_p = 0.5f;  // p >= 0.25
  EXPECT_EQ(ids(Sampler(p).distribution(logits, 5)), (std::vector<int32_t>{1, 3}));
  p.min_p = 1.0f;  // only the maximum
  EXPECT_EQ(ids(Sampler(p).distribution(logits, 5)), (std::vector<int32_t>{1}));
  p.top_k = 3;  // sorted path
  p.min_p = 0.3f;
  EXPECT_EQ(ids(Sampler(p).distribution(logits, 5)), (std::vector<int32_t>{1, 3}));
}

TEST(Sampler, TemperatureSharpensAndFlattens) {
  const float logits[] = {0.0f, 1.0f};
  for (float temp : {0.5f, 1.0f, 2.0f}) {
    SamplerParams p = plain();
    p.temp = temp;
    Sampler s(p);
    const auto d = s.distribution(logits, 2);
    const double expected = 1.0 / (1.0 + std::exp(-1.0 / temp));
    EXPECT_NEAR(prob_of(d, 1), expected, 1e-12) << temp;
    EXPECT_NEAR(prob_of(d, 0) + prob_of(d, 1), 1.0, 1e-12);
  }
}

TEST(Sampler, TruncationUsesTemperatureOneProbabilities) {
  // At temperature 1, p = 0.5, 0.25, 0.25; top_p 0.5 keeps one token whatever the temperature.
  const float logits[] = {std::log(0.5f), std::log(0.25f), std::log(0.25f)};
  SamplerParams p = plain();
  p.top_p = 0.5f;
  p.temp = 5.0f;
  EXPECT_EQ(Sampler(p).distribution(logits, 3).size(), 1u);
}

TEST(Sampler, RepeatPenaltyDividesPositiveAndMultipliesNegative) {
  SamplerParams p = plain();
  p.repeat_penalty = 2.0f;
  Sampler s(p);
  const float logits[] = {4.0f, -1.0f, 3.0f, 0.0f};
  s.accept(0);
  s.accept(1);
  s.accept(0);  // counted once for the repeat penalty
  s.accept(3);
  s.accept(99);  // outside the vocabulary: ignored
  const auto d = s.distribution(logits, 4);
  std::vector<float> got(4);
  for (const auto& c : d) got[c.id] = c.logit;
  EXPECT_FLOAT_EQ(got[0], 2.0f);
  EXPECT_FLOAT_EQ(got[1], -2.0f);
  EXPECT_FLOAT_EQ(got[2], 3.0f);
  EXPECT_FLOAT_EQ(got[3], 0.0f);
  // Penalised argmax moves to id 2 under greedy.
  p.temp = 0;
  Sampler g(p);
  g.accept(0);
  EXPECT_EQ(g.sample(logits, 4), 2);
}

TEST(Sampler, FrequencyAndPresencePenaltiesFollowOpenAI) {
  SamplerParams p = plain();
  p.frequency_penalty = 0.5f;
  p.presence_penalty = 0.25f;
  p.repeat_penalty = 1.5f;
  Sampler s(p);
  const float logits[] = {3.0f, -2.0f, 1.0f};
  for (int t : {0, 0, 0, 1}) s.accept(t);
  const auto d = s.distribution(logits, 3);
  std::vector<float> got(3);
  for (const auto& c : d) got[c.id] = c.logit;
  EXPECT_FLOAT_EQ(got[0], 3.0f / 1.5f - 3 * 0.5f - 0.25f);
  EXPECT_FLOAT_EQ(got[1], -2.0f * 1.5f - 1 * 0.5f - 0.25f);
  EXPECT_FLOAT_EQ(got[2], 1.0f);
}

TEST(Sampler, PenaltiesOnlySeeTheLastNTokens) {
  SamplerParams p = plain();
  p.temp = 0;
  p.presence_penalty = 10.0f;
  p.repeat_last_n = 2;
  Sampler s(p);
  const float logits[] = {5.0f, 4.0f, 3.0f};
  s.accept(0);
  EXPECT_EQ(s.sample(logits, 3), 1);  // 0 penalised
  s.accept(2);
  s.accept(2);  // 0 left the window of 2
  EXPECT_EQ(s.sample(logits, 3), 0);
  s.reset();
  EXPECT_EQ(s.sample(logits, 3), 0);
  p.repeat_last_n = 0;  // disabled
  Sampler off(p);
  off.accept(0);
  EXPECT_EQ(off.sample(logits, 3), 0);
}

TEST(Sampler, FrequenciesMatchSoftmax) {
  const float logits[] = {1.0f, 0.0f, 2.0f, -1.0f, 0.5f};
  SamplerParams p = plain(42);
  p.temp = 0.7f;
  Sampler s(p);
  double z = 0;
  std::vector<double> expected(5);
  for (int i = 0; i < 5; ++i) z += expected[i] = std::exp(logits[i] / 0.7);
  for (double& e : expected) e /= z;
  const int n = 100000;
  std::vector<int> counts(5, 0);
  for (int i = 0; i < n; ++i) ++counts[s.sample(logits, 5)];
  for (int i = 0; i < 5; ++i) {
    const double sigma = std::sqrt(expected[i] * (1 - expected[i]) / n);
    EXPECT_NEAR(counts[i] / static_cast<double>(n), expected[i], 5 * sigma + 1e-3) << "id " << i;
  }
}

TEST(Sampler, SameSeedSameTokens) {
  SamplerParams p;  // defaults: every stage on
  p.seed = 7;
  p.repeat_penalty = 1.1f;
  Sampler a(p), b(p);
  std::mt19937 gen(3);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  std::vector<float> logits(1000);
  std::vector<int32_t> first;
  for (int step = 0; step < 200; ++step) {
    for (float& l : logits) l = normal(gen);
    const int32_t ta = a.sample(logits.data(), 1000);
    const int32_t tb = b.sample(logits.data(), 1000);
    ASSERT_EQ(ta, tb) << "step " << step;
    a.accept(ta);
    b.accept(tb);
    first.push_back(ta);
  }
  EXPECT_GT(std::set<int32_t>(first.begin(), first.end()).size(), 10u);  // really sampling
  EXPECT_EQ(a.seed(), 7u);
}

TEST(Sampler, ResetReplaysTheSameStream) {
  const float logits[] = {0.0f, 0.1f, 0.2f, 0.3f};
  Sampler s(plain(99));
  std::vector<int32_t> run1, run2;
  for (int i = 0; i < 50; ++i) run1.push_back(s.sample(logits, 4));
  s.reset();
  for (int i = 0; i < 50; ++i) run2.push_back(s.sample(logits, 4));
  EXPECT_EQ(run1, run2);
}

TEST(Sampler, RandomSeedIsReported) {
  SamplerParams p = plain(SamplerParams::kRandomSeed);
  Sampler a(p);
  EXPECT_NE(a.seed(), SamplerParams::kRandomSeed);
  Sampler b(plain(a.seed()));
  const float logits[] = {0.0f, 0.1f, 0.2f, 0.3f};
  for (int i = 0; i < 20; ++i) EXPECT_EQ(a.sample(logits, 4), b.sample(logits, 4));
}

// The chunked top-p path over a large vocabulary keeps exactly the sorted prefix a full sort gives.
TEST(Sampler, LargeVocabTopPMatchesFullSort) {
  const int n = 256000;
  std::vector<float> logits(n);
  std::mt19937 gen(5);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (float& l : logits) l = normal(gen);
  SamplerParams p = plain();
  p.top_p = 0.9f;
  Sampler s(p);
  const auto d = s.distribution(logits.data(), n);

  std::vector<int32_t> order(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
  });
  const double mx = logits[order[0]];
  double z = 0;
  for (int i = 0; i < n; ++i) z += std::exp(logits[i] - mx);
  double cum = 0;
  size_t keep = 0;
  while (keep < order.size()) {
    cum += std::exp(logits[order[keep]] - mx);
    ++keep;
    if (cum >= 0.9 * z) break;
  }
  ASSERT_EQ(d.size(), keep);
  for (size_t i = 0; i < keep; ++i) ASSERT_EQ(d[i].id, order[i]) << i;
  EXPECT_GT(keep, 1000u);  // the chunked sort really grew several times
}

TEST(Sampler, NonFiniteRowsStillSample) {
  Sampler s(plain());
  const float all_neg_inf[] = {-INFINITY, -INFINITY, -INFINITY};
  EXPECT_EQ(s.sample(all_neg_inf, 3), 0);
  const float pos_inf[] = {1.0f, INFINITY, 2.0f};
  EXPECT_EQ(s.sample(pos_inf, 3), 1);
  const float nan_row[] = {NAN, 0.0f, NAN};
  EXPECT_EQ(s.sample(nan_row, 3), 1);
}

// Straightforward reference: full sort, then top-k, top-p, min-p, temperature one after another,
// renormalising between stages as a sampler chain does.
std::vector<std::pair<int32_t, double>> reference(const std::vector<float>& logits,
                                                  const SamplerParams& p) {
  const int n = static_cast<int>(logits.size());
  std::vector<int32_t> order(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
  });
  if (p.top_k > 0 && p.top_k < n) order.resize(p.top_k);
  const double mx = logits[order[0]];
  auto probs = [&](double temp) {
    std::vector<double> pr;
    double z = 0;
    for (int32_t id : order) z += std::exp((logits[id] - mx) / temp);
    for (int32_t id : order) pr.push_back(std::exp((logits[id] - mx) / temp) / z);
    return pr;
  };
  if (p.top_p < 1) {
    const std::vector<double> pr = probs(1.0);
    double cum = 0;
    size_t keep = 0;
    while (keep < order.size()) {
      cum += pr[keep++];
      if (cum >= p.top_p) break;
    }
    order.resize(keep);
  }
  if (p.min_p > 0) {
    const std::vector<double> pr = probs(1.0);
    size_t keep = 1;
    while (keep < order.size() && pr[keep] >= p.min_p * pr[0]) ++keep;
    order.resize(keep);
  }
  const std::vector<double> pr = probs(p.temp);
  std::vector<std::pair<int32_t, double>> out;
  for (size_t i = 0; i < order.size(); ++i) out.emplace_back(order[i], pr[i]);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Sampler, StagesTogetherMatchAReferenceChain) {
  std::mt19937 gen(11);
  const int sizes[] = {7, 300, 50000};
  const float spreads[] = {0.1f, 1.0f, 4.0f};  // flat to peaked
  for (int n : sizes) {
    for (float spread : spreads) {
      std::normal_distribution<float> normal(0.0f, spread);
      std::vector<float> logits(n);
      for (float& l : logits) l = normal(gen);
      for (int top_k : {0, 1, 5, 40}) {
        for (float top_p : {0.3f, 0.9f, 1.0f}) {
          for (float min_p : {0.0f, 0.05f, 0.5f}) {
            SamplerParams p = plain();
            p.top_k = top_k;
            p.top_p = top_p;
            p.min_p = min_p;
            p.temp = 0.7f;
            Sampler s(p);
            std::vector<std::pair<int32_t, double>> got;
            for (const auto& c : s.distribution(logits.data(), n)) got.emplace_back(c.id, c.p);
            std::sort(got.begin(), got.end());
            const auto want = reference(logits, p);
            ASSERT_EQ(got.size(), want.size()) << "n " << n << " spread " << spread << " k "
                                               << top_k << " p " << top_p << " min_p " << min_p;
            for (size_t i = 0; i < got.size(); ++i) {
              ASSERT_EQ(got[i].first, want[i].first);
              ASSERT_NEAR(got[i].second, want[i].second, 1e-9);
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace edgellm
