// A Context runs a model over one sequence: it owns the KV cache, the compute buffers (allocated
// once, at creation, from plan_memory()) and a thread pool. decode() appends tokens to the
// sequence and computes logits; embed() runs an encoder (bert) over a whole input. The decode loop
// allocates nothing.
//
// A Context is not thread-safe: use one per thread (they can share one Model).
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "model/memory.h"
#include "model/model.h"

namespace edgellm::model {

using Token = int32_t;

// Sees the input of every matrix product: weight w, n_tokens rows of w.n_cols activations, row t
// at x + t * ldx. Called on the Context's thread, before the product; x is only valid during the
// call. MoE experts report the expert's 2-D slice (its data points inside the 3-D tensor).
using MatmulObserver =
    std::function<void(const kernels::Matrix& w, const float* x, int64_t n_tokens, int64_t ldx)>;

class Context {
 public:
  static Result<std::unique_ptr<Context>> create(std::shared_ptr<const Model> model,
                                                 ContextParams params = {});
  ~Context();

  const Model& model() const { return *model_; }
  const ContextParams& params() const { return params_; }
  const MemoryPlan& memory() const { return plan_; }
  int64_t n_ctx() const { return params_.n_ctx; }
  int64_t n_past() const { return n_past_; }

  // Runs `tokens` at positions n_past() ... and appends them to the cache, in steps of n_batch.
  // Afterwards logits(i) holds the logits after token i when `all_logits` (then tokens.size()
  // must be <= params().n_outputs), else logits(0) holds those after the last token. Fails with
  // kOutOfRange, changing nothing, if the tokens do not fit in the context, and with
  // kInvalidArgument for a token id outside the vocabulary.
  Status decode(std::span<const Token> tokens, bool all_logits = false);
  // [n_vocab] logits of output row i of the last decode().
  const float* logits(int64_t i = 0) const;
  int64_t n_vocab() const { return model_->hparams().n_vocab; }

  // Forgets the whole sequence.
  void reset();
  // Keeps only the first n_keep tokens of the sequence. A sliding-window cache can only go back
  // by up to n_batch tokens (older cells were overwritten): beyond that it is kUnsupported and
  // the caller must reset() and decode again.
  Status rewind(int64_t n_keep);

  // Calls `observer` before every matrix product of later decode() / embed() calls (calibration:
  // importance matrices, GPTQ Hessians). An empty function turns it off; unset costs one branch.
  void set_matmul_observer(MatmulObserver observer) { observer_ = std::move(observer); }

  // Encoder models: the pooled (not normalized) embedding of `tokens` as one sequence, [n_embd].
  Result<std::vector<float>> embed(std::span<const Token> tokens);

 private:
  Context() = default;
  Status check_tokens(std::span<const Token> tokens) const;
  void forward_decoder(const Token* tokens, int64_t n, int64_t n_out_rows, float* logits_out);
  void attention_block(int64_t il, int64_t n);
  void ffn_block(int64_t il, int64_t n);
  void moe_block(int64_t il, int64_t n);
  void forward_encoder(const Token* tokens, int64_t n, float* pooled);
  void mm(const kernels::Matrix& w, const float* x, int64_t n, float* y, int64_t ldx = 0,
          int64_t ldy = 0);
  // Products of several matrices with the same dense input x (kernels::matmul_many).
  void mm_many(std::initializer_list<const kernels::Matrix*> w, std::initializer_list<float*> y,
               const float* x, int64_t n);
  float* buf(size_t offset) const { return reinterpret_cast<float*>(arena_ + offset); }
  // Runs fn(begin, end) over token rows [0, n): on the pool for prompt-sized batches (the
  // per-row operations between matrix products), inline for decode. Rows are independent, so
  // results do not depend on the split.
  void rows(int64_t n, FunctionRef<void(int64_t, int64_t)> fn);

  std::shared_ptr<const Model> model_;
  ContextParams params_;
  MemoryPlan plan_;
  std::unique_ptr<ThreadPool> pool_;
  uint8_t* arena_ = nullptr;     // compute buffers (plan_.scratch)
  uint8_t* kv_arena_ = nullptr;  // keys and values of every layer
  std::vector<kernels::KvView> k_cache_, v_cache_;  // [n_layer]
  // Position held by each cell (-1: empty). Full-attention layers share cell = position;
  // sliding-window layers share a ring of window + n_batch cells (cell = position % size).
  std::vector<int32_t> cell_pos_full_, cell_pos_swa_;
  int64_t n_past_ = 0;
  int64_t n_logits_ = 0;         // rows of logits from the last decode()
  // Expert routing of the current batch: [n_batch][n_expert_used] ids and weights, and the
  // (token, slot) pairs gathered for one expert.
  std::vector<int32_t> moe_sel_, moe_rows_;
  std::vector<float> moe_w_;
  kernels::RopeParams rope_;
  MatmulObserver observer_;
};

}  // namespace edgellm::model
