// Token sampling from a logits row: repetition/frequency/presence penalties, then top-k, top-p,
// min-p and temperature, then a draw from the distribution, in the order and with the meanings and
// defaults of llama.cpp's llama-cli. Deterministic for a given seed: the RNG, the float conversion
// and the candidate order are all specified here, not by the standard library. The one platform
// input is std::exp, whose last bit may differ between libm builds; that can change a token only
// when a draw lands within about 1e-16 of a probability boundary.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "base/status.h"

namespace edgellm {

struct SamplerParams {
  // Seed value that asks for a fresh random seed (llama-cli's `--seed -1`, stored as 0xFFFFFFFF).
  static constexpr uint64_t kRandomSeed = 0xFFFFFFFFull;

  float temp = 0.8f;            // temperature; <= 0 picks the argmax (ties to the lowest id)
  int top_k = 40;               // keep the k most likely tokens; 0 = disabled
  float top_p = 0.95f;          // keep the smallest prefix with mass >= top_p; 1 = disabled
  float min_p = 0.05f;          // keep tokens with p >= min_p * p_max; 0 = disabled
  float repeat_penalty = 1.0f;  // divide positive / multiply negative logits of repeated tokens
  int repeat_last_n = 64;       // window of recent tokens the penalties look at; 0 = disabled.
                                // llama-cli's -1 (= context size) is resolved by the caller.
  float frequency_penalty = 0;  // subtract frequency_penalty * count (OpenAI)
  float presence_penalty = 0;   // subtract presence_penalty once if count > 0 (OpenAI)
  uint64_t seed = kRandomSeed;  // RNG seed; kRandomSeed draws one from std::random_device
};

// Checks every field; the message names the option and the value it got.
Status validate_sampler_params(const SamplerParams& params);

// Samples one token per call. Owns its scratch buffers and token history: after the first call
// with a given vocabulary size, sample() does not allocate. Not thread-safe; use one Sampler per
// sequence.
class Sampler {
 public:
  // `params` should have passed validate_sampler_params(); out-of-range values never cause
  // undefined behaviour, but the resulting distribution is then unspecified.
  explicit Sampler(const SamplerParams& params);

  // A token that survived truncation, with its logit after penalties and its final probability
  // (after temperature; the probabilities of one distribution() sum to 1).
  struct Candidate {
    int32_t id;
    float logit;
    double p;
  };

  // Returns the sampled token id in [0, n_vocab), or -1 when `logits` is null or n_vocab <= 0.
  // `logits` is one row [n_vocab] and is not modified. NaN logits count as -inf. Does not record
  // the token: call accept() with the token actually fed to the model.
  int32_t sample(const float* logits, int32_t n_vocab);

  // Everything sample() does except the draw: the candidates it would draw from, sorted by
  // descending logit (ties: lower id first) or, when no stage needed an order, by id. The span
  // points into the Sampler and is valid until the next call. Empty when sample() returns -1.
  std::span<const Candidate> distribution(const float* logits, int32_t n_vocab);

  // Records a token in the penalty history (prompt tokens too). Ids outside the vocabulary of a
  // later sample() call are ignored by that call.
  void accept(int32_t token);

  // Clears the history and reseeds the RNG with seed(), so a replay produces the same tokens.
  void reset();

  const SamplerParams& params() const { return params_; }
  // The seed in use: params().seed, or the random one drawn when that was kRandomSeed.
  uint64_t seed() const { return seed_; }

 private:
  void apply_penalties(int32_t n_vocab);
  size_t truncate(size_t n_vocab);
  size_t select_top(size_t m, float threshold, size_t n_vocab);
  size_t gather(float threshold, size_t n_vocab);
  void sort_prefix(size_t from, size_t to, size_t n);
  size_t top_p_prefix(size_t n, size_t sorted_end, double max_logit, double target);
  double uniform01();  // [0, 1) with 53 random bits, identical on every platform

  SamplerParams params_;
  uint64_t seed_ = 0;
  std::mt19937_64 rng_;  // fully specified by the standard: same sequence everywhere

  // Ring buffer of the last repeat_last_n accepted tokens.
  std::vector<int32_t> history_;
  size_t history_head_ = 0;  // next slot to write
  size_t history_size_ = 0;

  std::vector<float> work_;      // [n_vocab] logits after NaN -> -inf and penalties
  std::vector<Candidate> cand_;  // [n_vocab] candidates surviving truncation
  std::vector<int32_t> counts_;  // [n_vocab] zero between calls
};

}  // namespace edgellm
