// A loaded model: the mapped GGUF file, its hyperparameters, its tokenizer and its weights bound in
// place. Loading maps the file and checks every tensor the architecture needs; no weight is
// copied. A Model is immutable after load() and may be shared by many Contexts and threads.
//
// Usage:
//   EDGELLM_ASSIGN_OR_RETURN(std::shared_ptr<const Model> model, Model::load("m.gguf"));
//   EDGELLM_ASSIGN_OR_RETURN(std::unique_ptr<Context> ctx, Context::create(model, {}));
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/file.h"
#include "model/hparams.h"
#include "model/weights.h"
#include "tokenizer/tokenizer.h"

namespace edgellm::model {

class Model {
 public:
  // Opens and validates `path`. Errors name the file and then the key or tensor at fault.
  static Result<std::shared_ptr<const Model>> load(const std::string& path);
  // Binds an already opened file (the Model keeps it).
  static Result<std::shared_ptr<const Model>> from_file(gguf::File file);

  const HParams& hparams() const { return hp_; }
  const Weights& weights() const { return w_; }
  const tokenizer::Tokenizer& tokenizer() const { return tok_; }
  const gguf::File& file() const { return file_; }
  // Bytes of tensor data in the file (what the mapping pages in as the model runs).
  uint64_t weight_bytes() const { return file_.tensor_data_bytes(); }
  // The chat template from tokenizer.chat_template, or "" if the file has none.
  std::string chat_template() const;

 private:
  Model() = default;
  gguf::File file_;
  HParams hp_;
  tokenizer::Tokenizer tok_;
  Weights w_;
  std::vector<std::vector<float>> owned_;  // converted 1-D tensors (see weights.h)
};

}  // namespace edgellm::model
