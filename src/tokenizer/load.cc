// Building a Tokenizer from GGUF metadata: the vocabulary, scores, token types, merges, the
// special token ids and flags, and the adjustments llama.cpp makes to them (end-of-generation
// tokens found by their text, per-model strip attributes), so that encoding matches it.
#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cstring>
#include <utility>

#include "base/log.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/unicode.h"

namespace edgellm::tokenizer {

namespace {

// tokenizer.ggml.token_type values.
enum TokenType : int64_t {
  kTypeUndefined = 0,
  kTypeNormal = 1,
  kTypeUnknown = 2,
  kTypeControl = 3,
  kTypeUserDefined = 4,
  kTypeUnused = 5,
  kTypeByte = 6,
};

uint32_t attr_from_type(int64_t type) {
  switch (type) {
    case kTypeUnknown: return kAttrUnknown;
    case kTypeUnused: return kAttrUnused;
    case kTypeNormal: return kAttrNormal;
    case kTypeControl: return kAttrControl;
    case kTypeUserDefined: return kAttrUserDefined;
    case kTypeByte: return kAttrByte;
    default: return kAttrUndefined;
  }
}

Status corrupt(const gguf::File& f, const char* key, const std::string& what) {
  return make_error(ErrorCode::kCorruptFile, "%s: metadata key '%s' %s", f.path().c_str(), key,
                    what.c_str());
}

// Reads an optional bool key into *out (left unchanged when absent).
Status read_bool(const gguf::File& f, const char* key, bool* out) {
  if (!f.has(key)) return Status::Ok();
  EDGELLM_ASSIGN_OR_RETURN(*out, f.get_bool(key));
  return Status::Ok();
}

Status load_vocabulary(const gguf::File& f, Tokenizer::Impl* v) {
  const char* kTokens = "tokenizer.ggml.tokens";
  EDGELLM_ASSIGN_OR_RETURN(const gguf::Value* tokens, f.get_array(kTokens));
  if (tokens->array_type() != gguf::ValueType::STRING) {
    return corrupt(f, kTokens, "is not an array of strings");
  }
  const std::vector<std::string>& texts = tokens->strings();
  if (texts.empty()) return corrupt(f, kTokens, "is empty");
  if (texts.size() > static_cast<size_t>(INT32_MAX)) return corrupt(f, kTokens, "is too long");
  const size_t n = texts.size();

  std::vector<float> scores;
  if (const gguf::Value* s = f.find("tokenizer.ggml.scores")) {
    if (!s->is_array() || !(gguf::is_float_type(s->array_type()) ||
                            gguf::is_integer_type(s->array_type()))) {
      return corrupt(f, "tokenizer.ggml.scores", "is not a numeric array");
    }
    if (s->array_size() < n) {
      return corrupt(f, "tokenizer.ggml.scores",
                     strfmt("has %zu entries for %zu tokens", s->array_size(), n));
    }
    scores = s->to_floats();
  }
  std::vector<int64_t> types;
  if (const gguf::Value* t = f.find("tokenizer.ggml.token_type")) {
    if (!t->is_array() || !gguf::is_integer_type(t->array_type())) {
      return corrupt(f, "tokenizer.ggml.token_type", "is not an integer array");
    }
    if (t->array_size() < n) {
      return corrupt(f, "tokenizer.ggml.token_type",
                     strfmt("has %zu entries for %zu tokens", t->array_size(), n));
    }
    types = t->to_ints();
  }

  v->tokens.resize(n);
  for (size_t i = 0; i < n; ++i) {
    TokenData& td = v->tokens[i];
    td.text = texts[i];
    if (td.text.empty()) {
      // An empty entry can never be matched; give it a name so that lookups stay unambiguous.
      EDGELLM_LOG_WARN("%s: empty token at index %zu", f.path().c_str(), i);
      td.text = "[EMPTY_" + std::to_string(i) + "]";
    }
    td.score = scores.empty() ? 0.0f : scores[i];
    td.attr = types.empty() ? kAttrNormal : attr_from_type(types[i]);
    v->max_token_len = std::max(v->max_token_len, td.text.size());
  }
  // The vector is final now: the map's keys point into its strings. A text that appears twice
  // maps to its last id.
  v->token_ids.reserve(n);
  for (size_t i = 0; i < n; ++i) v->token_ids.insert_or_assign(v->tokens[i].text, static_cast<Token>(i));
  return Status::Ok();
}

Status load_merges(const gguf::File& f, Tokenizer::Impl* v) {
  const char* kMerges = "tokenizer.ggml.merges";
  EDGELLM_ASSIGN_OR_RETURN(const gguf::Value* merges, f.get_array(kMerges));
  if (merges->array_type() != gguf::ValueType::STRING) {
    return corrupt(f, kMerges, "is not an array of strings");
  }
  v->merge_lines = merges->strings();
  const size_t n = v->merge_lines.size();
  // Reserved up front: the interning map keeps views into these strings.
  v->merge_results.reserve(n);
  v->bpe_ids.reserve(n * 2);
  v->merges.reserve(n);
  auto intern = [&](std::string_view s) -> int32_t {
    int32_t id = v->bpe_ids.find(s);
    if (id < 0) {
      id = static_cast<int32_t>(v->bpe_id_token.size());
      v->bpe_ids.insert_or_assign(s, id);
      v->bpe_id_token.push_back(v->find(s));
    }
    return id;
  };
  for (size_t i = 0; i < n; ++i) {
    const std::string_view m = v->merge_lines[i];
    // "left right"; the search starts at 1 so that a left part that is itself a space works.
    const size_t space = m.size() > 1 ? m.find(' ', 1) : std::string_view::npos;
    if (space == std::string_view::npos || space + 1 >= m.size()) continue;  // never applies
    const std::string_view left = m.substr(0, space), right = m.substr(space + 1);
    const int32_t l = intern(left), r = intern(right);
    const uint64_t key = (static_cast<uint64_t>(l) << 32) | static_cast<uint32_t>(r);
    if (v->merges.count(key)) continue;  // a repeated merge keeps its first (best) rank
    v->merge_results.push_back(std::string(left) + std::string(right));
    const int32_t result = intern(v->merge_results.back());
    v->merges.emplace(key, Tokenizer::Impl::Merge{static_cast<int32_t>(i), result});
  }
  for (int b = 0; b < 256; ++b) {
    v->byte_char_ids[static_cast<size_t>(b)] =
        v->bpe_id(unicode::to_utf8(unicode::byte_to_char(static_cast<uint8_t>(b))));
  }
  return Status::Ok();
}

Status configure_pre_tokenizer(const gguf::File& f, const std::string& pre,
                               Tokenizer::Impl* v) {
  const PreTokenizerConfig* cfg = nullptr;
  if (pre.empty()) {
    EDGELLM_LOG_WARN("%s: no tokenizer.ggml.pre; using the default BPE pre-tokenizer",
                     f.path().c_str());
    cfg = find_pre_tokenizer("default");
  } else {
    cfg = find_pre_tokenizer(pre);
    if (cfg == nullptr) {
      EDGELLM_LOG_WARN("%s: unknown pre-tokenizer '%s'; using the default BPE pre-tokenizer",
                       f.path().c_str(), pre.c_str());
      cfg = find_pre_tokenizer("default");
    }
  }
  EDGELLM_ASSIGN_OR_RETURN(PreTokenizer p, PreTokenizer::create(*cfg));
  v->pre_name = cfg->name;
  v->clean_spaces = cfg->clean_spaces;
  v->ignore_merges = cfg->ignore_merges;
  v->add_bos = cfg->add_bos;
  v->add_sep = cfg->add_sep;
  v->byte_encode = cfg->byte_encode;
  v->escape_whitespace = cfg->escape_whitespace;
  if (cfg->no_bos) v->special.bos = kNoToken;
  v->pre_tokenizer = std::move(p);
  return Status::Ok();
}

// Reads the special token ids, keeping the family defaults where a key is absent or unusable.
Status load_special_ids(const gguf::File& f, Tokenizer::Impl* v) {
  SpecialTokens& s = v->special;
  const std::pair<const char*, Token*> keys[] = {
      {"tokenizer.ggml.bos_token_id", &s.bos},
      {"tokenizer.ggml.eos_token_id", &s.eos},
      {"tokenizer.ggml.eot_token_id", &s.eot},
      {"tokenizer.ggml.eom_token_id", &s.eom},
      {"tokenizer.ggml.unknown_token_id", &s.unk},
      {"tokenizer.ggml.seperator_token_id", &s.sep},  // sic: the key GGUF files use
      {"tokenizer.ggml.padding_token_id", &s.pad},
      {"tokenizer.ggml.mask_token_id", &s.mask},
      {"tokenizer.ggml.fim_pre_token_id", &s.fim_pre},
      {"tokenizer.ggml.fim_suf_token_id", &s.fim_suf},
      {"tokenizer.ggml.fim_mid_token_id", &s.fim_mid},
      {"tokenizer.ggml.fim_pad_token_id", &s.fim_pad},
      {"tokenizer.ggml.fim_rep_token_id", &s.fim_rep},
      {"tokenizer.ggml.fim_sep_token_id", &s.fim_sep},
      {"tokenizer.ggml.prefix_token_id", &s.fim_pre},  // older names of the FIM keys
      {"tokenizer.ggml.suffix_token_id", &s.fim_suf},
      {"tokenizer.ggml.middle_token_id", &s.fim_mid},
  };
  const int64_t n = static_cast<int64_t>(v->tokens.size());
  for (const auto& [key, id] : keys) {
    if (*id != kNoToken && *id >= n) *id = kNoToken;  // a family default beyond this vocabulary
    const gguf::Value* val = f.find(key);
    if (val == nullptr) continue;
    EDGELLM_ASSIGN_OR_RETURN(int64_t value, f.get_int(key));
    // Converters write -1 (or its u32 form) for "none"; keep the default quietly then.
    if (value == -1 || value == 0xFFFFFFFFll) continue;
    if (value < 0 || value >= n) {
      EDGELLM_LOG_WARN("%s: %s = %" PRId64 " is outside the vocabulary of %" PRId64
                       " tokens; ignored",
                       f.path().c_str(), key, value, n);
      continue;
    }
    *id = static_cast<Token>(value);
  }
  return Status::Ok();
}

void mark_control(Tokenizer::Impl* v, Token id) {
  uint32_t& attr = v->tokens[static_cast<size_t>(id)].attr;
  if ((attr & kAttrControl) == 0) {
    EDGELLM_LOG_INFO("token %d '%s' ends generation; treating it as a control token", id,
                     v->tokens[static_cast<size_t>(id)].text.c_str());
    attr |= kAttrControl;
  }
}

bool text_in(std::string_view text, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), text) != list.end();
}

// Fills in end-of-turn and fill-in-the-middle tokens the metadata does not name, finds every
// end-of-generation token by its text, and marks them as control tokens. Converters often leave
// these out, so their text is the only reliable signal (llama.cpp does the same).
void detect_special_tokens(Tokenizer::Impl* v) {
  SpecialTokens& s = v->special;
  struct Rule {
    Token* id;
    std::initializer_list<std::string_view> texts;
  };
  const Rule rules[] = {
      {&s.eot, {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
                "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>",
                "<end_of_utterance>"}},
      {&s.eom, {"<|eom_id|>"}},
      {&s.fim_pre, {"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>",
                    "▁<PRE>", "<|code_prefix|>", "<|prefix|>"}},
      {&s.fim_suf, {"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>",
                    "▁<SUF>", "<|code_suffix|>", "<|suffix|>"}},
      {&s.fim_mid, {"<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>",
                    "▁<MID>", "<|code_middle|>", "<|middle|>"}},
      {&s.fim_pad, {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"}},
      {&s.fim_rep, {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"}},
      {&s.fim_sep, {"<|file_sep|>"}},
  };
  for (const Rule& r : rules) {
    if (*r.id != kNoToken) continue;
    for (size_t i = 0; i < v->tokens.size(); ++i) {
      if (text_in(v->tokens[i].text, r.texts)) {
        *r.id = static_cast<Token>(i);
        mark_control(v, *r.id);
        break;
      }
    }
  }

  // Control tokens named "unused" are reserved slots.
  for (auto& td : v->tokens) {
    if ((td.attr & kAttrControl) && td.text.find("unused") != std::string::npos) {
      td.attr |= kAttrUnused;
    }
  }

  std::vector<Token> eog;
  for (Token id : {s.fim_pad, s.fim_rep, s.fim_sep}) {
    if (id != kNoToken) eog.push_back(id);
  }
  for (size_t i = 0; i < v->tokens.size(); ++i) {
    if (text_in(v->tokens[i].text,
                {"<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>",
                 "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>",
                 "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>",
                 "<turn|>", "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~["})) {
      eog.push_back(static_cast<Token>(i));
      mark_control(v, static_cast<Token>(i));
    }
  }
  // gpt-oss channel markers are always shown.
  for (auto& td : v->tokens) {
    if (text_in(td.text, {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"})) {
      td.attr = kAttrUserDefined;
    }
  }
  for (Token id : {s.eos, s.eot, s.eom}) {
    if (id != kNoToken) eog.push_back(id);
  }
  std::sort(eog.begin(), eog.end());
  eog.erase(std::unique(eog.begin(), eog.end()), eog.end());

  auto find_eog = [&](std::string_view text) -> Token {
    for (Token id : eog) {
      if (v->tokens[static_cast<size_t>(id)].text == text) return id;
    }
    return kNoToken;
  };
  // Harmony-style vocabularies end a message with <|end|> but keep generating after it.
  const Token end = find_eog("<|end|>");
  if (end != kNoToken && ((find_eog("<|return|>") != kNoToken && find_eog("<|call|>") != kNoToken) ||
                          (find_eog("<|calls|>") != kNoToken && find_eog("<|flush|>") != kNoToken))) {
    eog.erase(std::find(eog.begin(), eog.end(), end));
    v->tokens[static_cast<size_t>(end)].attr = kAttrUserDefined;
  }
  // Gemma 4 style vocabularies use </s> as ordinary text.
  const Token close_s = find_eog("</s>");
  if (close_s != kNoToken && find_eog("<|tool_response>") != kNoToken) {
    eog.erase(std::find(eog.begin(), eog.end(), close_s));
    v->tokens[static_cast<size_t>(close_s)].attr = kAttrNormal;
  }
  v->eog = std::move(eog);
}

void build_special_cache(Tokenizer::Impl* v) {
  for (size_t i = 0; i < v->tokens.size(); ++i) {
    if (v->tokens[i].attr & (kAttrControl | kAttrUserDefined | kAttrUnknown)) {
      v->special_tokens.push_back(static_cast<Token>(i));
    }
  }
  // Longer tokens are matched first, so that "<|im_start|>" wins over a "<|" token.
  std::stable_sort(v->special_tokens.begin(), v->special_tokens.end(), [&](Token a, Token b) {
    return v->tokens[static_cast<size_t>(a)].text.size() >
           v->tokens[static_cast<size_t>(b)].text.size();
  });
}

// Per-model whitespace-stripping attributes that GGUF files do not record.
Status apply_model_attributes(const gguf::File& f, Tokenizer::Impl* v) {
  EDGELLM_ASSIGN_OR_RETURN(std::string name, f.get_string_or("general.name", ""));
  EDGELLM_ASSIGN_OR_RETURN(std::string arch, f.get_string_or("general.architecture", ""));
  EDGELLM_ASSIGN_OR_RETURN(std::string pre, f.get_string_or("tokenizer.ggml.pre", ""));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto contains_any = [](const std::string& s, std::initializer_list<const char*> subs) {
    for (const char* sub : subs) {
      if (s.find(sub) != std::string::npos) return true;
    }
    return false;
  };
  auto set_attr = [&](std::string_view text, uint32_t attr, bool on) {
    const Token id = v->find(text);
    if (id == kNoToken) return;
    uint32_t& a = v->tokens[static_cast<size_t>(id)].attr;
    a = on ? (a | attr) : (a & ~attr);
  };
  if (contains_any(pre, {"jina-v2-de", "jina-v2-es", "jina-v2-code"}) ||
      contains_any(arch, {"nomic-bert-moe", "jina-bert-v3"})) {
    set_attr("<mask>", kAttrLstrip, true);
  } else if (contains_any(name, {"phi-3", "phi3"})) {
    // Phi-3's added tokens swallow the whitespace after them.
    for (Token id : v->special_tokens) v->tokens[static_cast<size_t>(id)].attr |= kAttrRstrip;
    set_attr("</s>", kAttrRstrip, true);
    for (const char* t : {"<unk>", "<s>", "<|endoftext|>"}) set_attr(t, kAttrRstrip, false);
  } else if (contains_any(name, {"modern-bert"})) {
    set_attr("[MASK]", kAttrLstrip, true);
  }
  return Status::Ok();
}

void build_byte_tokens(Tokenizer::Impl* v) {
  static const char* kHex = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) {
    const char name[7] = {'<', '0', 'x', kHex[b >> 4], kHex[b & 15], '>', 0};
    Token id = v->find(name);
    if (id == kNoToken && v->type == VocabType::kSpm) {
      id = v->find(std::string_view(reinterpret_cast<const char*>(&b), 1));
    }
    v->byte_tokens[static_cast<size_t>(b)] = id;
  }
}

void build_inner_pairs(Tokenizer::Impl* v) {
  for (const TokenData& td : v->tokens) {
    const std::string_view t = td.text;
    std::string_view prev;
    for (size_t offs = 0; offs < t.size();) {
      const size_t len =
          std::min(unicode::utf8_sequence_length(static_cast<uint8_t>(t[offs])), t.size() - offs);
      const std::string_view ch = t.substr(offs, len);
      if (!prev.empty()) v->inner_pairs.insert(char_pair_key(prev, ch));
      prev = ch;
      offs += len;
    }
  }
}

Status load_impl(const gguf::File& f, Tokenizer::Impl* v) {
  const char* kModel = "tokenizer.ggml.model";
  EDGELLM_ASSIGN_OR_RETURN(v->model, f.get_string(kModel));
  EDGELLM_ASSIGN_OR_RETURN(std::string pre, f.get_string_or("tokenizer.ggml.pre", ""));
  SpecialTokens& s = v->special;
  if (v->model == "llama") {
    v->type = VocabType::kSpm;
    s.bos = 1, s.eos = 2, s.unk = 0;
    v->add_space_prefix = true;
    v->add_bos = true;
  } else if (v->model == "gpt2" || v->model == "gemma4") {
    v->type = VocabType::kBpe;
    if (v->model == "gemma4") pre = "gemma4";
    s.bos = 11, s.eos = 11;  // llama.cpp's defaults for BPE files without ids
  } else if (v->model == "bert") {
    v->type = VocabType::kWordPiece;
    s.bos = 101, s.unk = 100, s.sep = 102, s.pad = 0, s.mask = 103;
    v->clean_spaces = true;
    v->add_bos = true;
    v->add_sep = true;
  } else {
    return make_error(ErrorCode::kUnsupported, "%s: tokenizer model '%s' (%s) is not supported",
                      f.path().c_str(), v->model.c_str(), kModel);
  }
  EDGELLM_RETURN_IF_ERROR(load_vocabulary(f, v));
  if (v->type == VocabType::kBpe) {
    EDGELLM_RETURN_IF_ERROR(load_merges(f, v));
    EDGELLM_RETURN_IF_ERROR(configure_pre_tokenizer(f, pre, v));
  }
  EDGELLM_RETURN_IF_ERROR(read_bool(f, "tokenizer.ggml.add_space_prefix", &v->add_space_prefix));
  EDGELLM_RETURN_IF_ERROR(load_special_ids(f, v));
  EDGELLM_RETURN_IF_ERROR(read_bool(f, "tokenizer.ggml.add_bos_token", &v->add_bos));
  EDGELLM_RETURN_IF_ERROR(read_bool(f, "tokenizer.ggml.add_eos_token", &v->add_eos));
  EDGELLM_RETURN_IF_ERROR(read_bool(f, "tokenizer.ggml.add_sep_token", &v->add_sep));
  if (v->pre_name == "gemma4") v->add_bos = true;  // Gemma 4 files say false but need BOS
  EDGELLM_RETURN_IF_ERROR(read_bool(f, "tokenizer.ggml.normalizer.lowercase", &v->lowercase));
  v->strip_accents = v->lowercase;
  EDGELLM_RETURN_IF_ERROR(
      read_bool(f, "tokenizer.ggml.normalizer.strip_accents", &v->strip_accents));
  // A flag that asks for a token the vocabulary does not have cannot be honoured.
  if (v->add_bos && s.bos == kNoToken) {
    EDGELLM_LOG_WARN("%s: the tokenizer adds BOS but has no BOS token", f.path().c_str());
    v->add_bos = false;
  }
  if (v->add_eos && s.eos == kNoToken) v->add_eos = false;
  if (v->add_sep && s.sep == kNoToken && v->type == VocabType::kWordPiece) v->add_sep = false;

  build_byte_tokens(v);
  if (v->type == VocabType::kSpm) build_inner_pairs(v);
  // The newline token, before special tokens are set up (plain text, as llama.cpp finds it).
  if (v->type == VocabType::kSpm) {
    s.linefeed = v->byte_tokens['\n'];
  } else if (v->type == VocabType::kWordPiece) {
    s.linefeed = s.pad;
  } else {
    std::vector<Token> nl;
    bpe_tokenize(*v, "\n", &nl);
    s.linefeed = nl.empty() ? s.pad : nl[0];
  }
  detect_special_tokens(v);
  build_special_cache(v);
  build_pieces(v);
  return apply_model_attributes(f, v);
}

}  // namespace

const char* vocab_type_name(VocabType type) {
  switch (type) {
    case VocabType::kSpm: return "SPM";
    case VocabType::kBpe: return "BPE";
    case VocabType::kWordPiece: return "WordPiece";
  }
  return "unknown";
}

Result<Tokenizer> Tokenizer::load(const gguf::File& file) {
  auto impl = std::make_shared<Impl>();
  Status st = load_impl(file, impl.get());
  if (!st.ok()) return st;
  Tokenizer t;
  t.impl_ = std::move(impl);
  return t;
}

Result<Tokenizer> Tokenizer::load(const std::string& path) {
  EDGELLM_ASSIGN_OR_RETURN(gguf::File file, gguf::File::open(path));
  return load(file);
}

}  // namespace edgellm::tokenizer
