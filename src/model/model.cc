// Model loading: map, read hyperparameters, load the tokenizer, bind the weights.
#include "model/model.h"

namespace edgellm::model {

Result<std::shared_ptr<const Model>> Model::load(const std::string& path) {
  Result<gguf::File> file = gguf::File::open(path);
  if (!file.ok()) return file.status();
  return from_file(std::move(file).value());
}

Result<std::shared_ptr<const Model>> Model::from_file(gguf::File file) {
  std::shared_ptr<Model> m(new Model());
  m->file_ = std::move(file);
  const std::string ctx = m->file_.path();
  Result<HParams> hp = read_hparams(m->file_);
  if (!hp.ok()) return hp.status().with_context(ctx);
  m->hp_ = std::move(hp).value();
  Result<tokenizer::Tokenizer> tok = tokenizer::Tokenizer::load(m->file_);
  if (!tok.ok()) return tok.status().with_context(ctx);
  m->tok_ = std::move(tok).value();
  Result<Weights> w = bind_weights(m->file_, m->hp_, m->owned_);
  if (!w.ok()) return w.status().with_context(ctx);
  m->w_ = std::move(w).value();
  if (m->tok_.n_tokens() > m->hp_.n_vocab) {
    return make_error(ErrorCode::kCorruptFile,
                      "%s: the vocabulary has %d tokens but the embedding only %lld rows",
                      ctx.c_str(), m->tok_.n_tokens(), static_cast<long long>(m->hp_.n_vocab));
  }
  return std::shared_ptr<const Model>(std::move(m));
}

std::string Model::chat_template() const {
  Result<std::string> t = file_.get_string_or("tokenizer.chat_template", "");
  return t.ok() ? t.value() : std::string();
}

}  // namespace edgellm::model
