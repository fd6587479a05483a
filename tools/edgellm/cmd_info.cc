// `edgellm info -m MODEL [--json] [--tensors] [--metadata]`: a friendly dump of a GGUF file.
//
// Shows the format version, architecture and name, the hyperparameters the file carries for its
// architecture (with head dimension and KV heads worked out when implicit), tensor counts by type,
// parameter count and bits per weight, the vocabulary and its special tokens, whether there is a
// chat template, and the size on disk. A file that cannot be read is one error line and exit 1.
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "command.h"
#include "gguf/file.h"

namespace edgellm::cli {
namespace {

using gguf::File;
using gguf::TensorInfo;
using gguf::Value;
using gguf::ValueType;
using json = nlohmann::ordered_json;

// Keys under "<arch>." with a friendly label, in display order. Keys the file carries that are
// not listed here are shown too, under their own name.
struct KnownKey {
  const char* suffix;
  const char* label;
};
constexpr KnownKey kHyperparameters[] = {
    {"context_length", "context length"},
    {"embedding_length", "embedding length"},
    {"block_count", "blocks"},
    {"feed_forward_length", "feed-forward length"},
    {"attention.head_count", "attention heads"},
    {"attention.head_count_kv", "KV heads"},
    {"attention.key_length", "head dim (K)"},
    {"attention.value_length", "head dim (V)"},
    {"attention.sliding_window", "sliding window"},
    {"attention.causal", "causal attention"},
    {"attention.layer_norm_epsilon", "layer norm epsilon"},
    {"attention.layer_norm_rms_epsilon", "RMS norm epsilon"},
    {"attention.max_alibi_bias", "ALiBi max bias"},
    {"attention.clamp_kqv", "clamp KQV"},
    {"attn_logit_softcapping", "attention logit softcap"},
    {"final_logit_softcapping", "final logit softcap"},
    {"rope.dimension_count", "rope dimensions"},
    {"rope.freq_base", "rope freq base"},
    {"rope.scaling.type", "rope scaling"},
    {"rope.scaling.factor", "rope scaling factor"},
    {"rope.scaling.original_context_length", "rope original context"},
    {"expert_count", "experts"},
    {"expert_used_count", "experts used per token"},
    {"expert_shared_count", "shared experts"},
    {"expert_feed_forward_length", "expert feed-forward length"},
    {"vocab_size", "vocab size"},
    {"pooling_type", "pooling type"},
    {"use_parallel_residual", "parallel residual"},
};

// Special tokens: label, key suffix after "tokenizer.ggml.". "seperator" is the spelling GGUF
// files use; the correct spelling is accepted as well.
constexpr KnownKey kSpecialTokens[] = {
    {"bos_token_id", "BOS"},       {"eos_token_id", "EOS"},     {"eot_token_id", "EOT"},
    {"eom_token_id", "EOM"},       {"unknown_token_id", "UNK"}, {"seperator_token_id", "SEP"},
    {"separator_token_id", "SEP"}, {"padding_token_id", "PAD"}, {"cls_token_id", "CLS"},
    {"mask_token_id", "MASK"},
};

// general.file_type values (the llama.cpp file type enumeration) and their names.
const char* file_type_name(int64_t id) {
  static const std::map<int64_t, const char*> kNames = {
      {0, "F32"},      {1, "F16"},      {2, "Q4_0"},      {3, "Q4_1"},    {7, "Q8_0"},
      {8, "Q5_0"},     {9, "Q5_1"},     {10, "Q2_K"},     {11, "Q3_K_S"}, {12, "Q3_K_M"},
      {13, "Q3_K_L"},  {14, "Q4_K_S"},  {15, "Q4_K_M"},   {16, "Q5_K_S"}, {17, "Q5_K_M"},
      {18, "Q6_K"},    {19, "IQ2_XXS"}, {20, "IQ2_XS"},   {21, "Q2_K_S"}, {22, "IQ3_XS"},
      {23, "IQ3_XXS"}, {24, "IQ1_S"},   {25, "IQ4_NL"},   {26, "IQ3_S"},  {27, "IQ3_M"},
      {28, "IQ2_S"},   {29, "IQ2_M"},   {30, "IQ4_XS"},   {31, "IQ1_M"},  {32, "BF16"},
      {36, "TQ1_0"},   {37, "TQ2_0"},   {38, "MXFP4_MOE"}};
  auto it = kNames.find(id);
  return it == kNames.end() ? "unknown" : it->second;
}

// Text from a file, made safe for one terminal line: control characters escaped, long text cut.
std::string printable(const std::string& s, size_t max_len = 120) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < max_len; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += strfmt("\\x%02x", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (s.size() > max_len) out += "...";
  return out;
}

std::string with_commas(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string human_bytes(uint64_t n) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? strfmt("%" PRIu64 " bytes", n) : strfmt("%.1f %s", v, units[u]);
}

std::string human_count(uint64_t n) {
  if (n >= 1000000000ull) return strfmt("%.2f B", n / 1e9);
  if (n >= 1000000ull) return strfmt("%.2f M", n / 1e6);
  if (n >= 1000ull) return strfmt("%.1f K", n / 1e3);
  return std::to_string(n);
}

// An f32 as the double with the shortest decimal form that reads back as the same f32, so JSON
// shows 1e-05 rather than 9.999999747378752e-06.
double short_f32(double x) {
  const float f = static_cast<float>(x);
  for (int precision = 1; precision < 9; ++precision) {
    const std::string s = strfmt("%.*g", precision, static_cast<double>(f));
    const double d = std::strtod(s.c_str(), nullptr);
    if (static_cast<float>(d) == f) return d;
  }
  return f;
}

// Element i of a numeric array as JSON, keeping its kind (bool, unsigned, float).
json element_json(const Value& v, size_t i) {
  switch (v.array_type()) {
    case ValueType::BOOL:
      return v.int_at(i) != 0;
    case ValueType::UINT64:
      return static_cast<uint64_t>(v.int_at(i));
    case ValueType::FLOAT32:
      return short_f32(v.double_at(i));
    case ValueType::FLOAT64:
      return v.double_at(i);
    default:
      return v.int_at(i);
  }
}

// A metadata value as JSON, arrays in full.
json to_json(const Value& v) {
  switch (v.type()) {
    case ValueType::STRING:
      return v.as_string();
    case ValueType::BOOL:
      return v.as_bool();
    case ValueType::FLOAT32:
      return short_f32(v.as_double());
    case ValueType::FLOAT64:
      return v.as_double();
    case ValueType::UINT64:
      return v.as_uint();
    case ValueType::ARRAY: {
      json a = json::array();
      if (v.array_type() == ValueType::STRING) {
        for (const auto& s : v.strings()) a.push_back(s);
      } else if (v.array_type() == ValueType::ARRAY) {
        for (const auto& e : v.elements()) a.push_back(to_json(e));
      } else {
        for (size_t i = 0; i < v.array_size(); ++i) a.push_back(element_json(v, i));
      }
      return a;
    }
    default:
      return v.as_int();
  }
}

// Everything the command reports, gathered once and rendered as text or JSON.
struct Report {
  json j;
  std::vector<std::pair<std::string, std::string>> hparams;  // label, display value
  std::vector<std::pair<std::string, std::string>> vocab;    // label, display value
};

// Names of the pooling types embedding models declare in <arch>.pooling_type.
const char* pooling_name(int64_t id) {
  switch (id) {
    case 0:
      return "none";
    case 1:
      return "mean";
    case 2:
      return "cls";
    case 3:
      return "last";
    case 4:
      return "rank";
    default:
      return "unknown";
  }
}

void add_hparam(Report& r, const std::string& label, const std::string& json_key, const Value& v) {
  std::string shown = v.is_string() ? printable(v.as_string()) : v.to_display_string();
  if (json_key == "pooling_type" && v.is_integer())
    shown += strfmt(" (%s)", pooling_name(v.as_int()));
  r.hparams.emplace_back(label, shown);
  r.j["hyperparameters"][json_key] = to_json(v);
}

void gather_hparams(const File& f, const std::string& arch, Report& r) {
  r.j["hyperparameters"] = json::object();
  if (arch.empty()) return;
  const std::string prefix = arch + ".";
  // Head dimension and KV heads are shown even when the file leaves them implicit, as most Llama
  // files do: KV heads default to the attention heads, head dim to embedding length / heads.
  const Value* heads = f.find(prefix + "attention.head_count");
  const Value* embd = f.find(prefix + "embedding_length");
  const bool have_heads = heads != nullptr && heads->is_integer() && heads->as_int() > 0;
  for (const KnownKey& k : kHyperparameters) {
    const std::string suffix = k.suffix;
    if (const Value* v = f.find(prefix + suffix)) {
      add_hparam(r, k.label, suffix, *v);
    } else if (suffix == "attention.head_count_kv" && have_heads) {
      r.hparams.emplace_back(k.label, heads->to_display_string() + " (same as attention heads)");
      r.j["hyperparameters"][suffix] = heads->as_int();
    } else if (suffix == "attention.key_length" && have_heads && embd != nullptr &&
               embd->is_integer()) {
      const int64_t hd = embd->as_int() / heads->as_int();
      r.hparams.emplace_back("head dim", std::to_string(hd) + " (embedding length / heads)");
      r.j["hyperparameters"]["head_dim"] = hd;
    }
  }
  // Whatever else the file carries for its architecture.
  for (const auto& [key, value] : f.metadata()) {
    if (key.rfind(prefix, 0) != 0) continue;
    const std::string suffix = key.substr(prefix.size());
    bool known = false;
    for (const KnownKey& k : kHyperparameters) known = known || suffix == k.suffix;
    if (!known) add_hparam(r, printable(suffix, 60), suffix, value);
  }
}

void gather_tensors(const File& f, Report& r) {
  struct PerType {
    uint64_t count = 0, elements = 0, bytes = 0;
  };
  std::map<std::string, PerType> by_type;
  uint64_t params = 0;
  for (const TensorInfo& t : f.tensors()) {
    PerType& p = by_type[tensor_type_name(t.type)];
    ++p.count;
    p.elements += static_cast<uint64_t>(t.n_elements());
    p.bytes += t.n_bytes;
    params += static_cast<uint64_t>(t.n_elements());
  }
  json types = json::object();
  for (const auto& [name, p] : by_type) {
    types[name] = {{"count", p.count}, {"elements", p.elements}, {"bytes", p.bytes}};
  }
  const uint64_t bytes = f.tensor_data_bytes();
  r.j["tensors"] = {{"count", f.tensors().size()},
                    {"by_type", types},
                    {"parameters", params},
                    {"bytes", bytes},
                    {"bits_per_weight", params > 0 ? json(8.0 * bytes / params) : json(nullptr)}};
}

void gather_vocab(const File& f, Report& r) {
  json& v = r.j["vocabulary"];
  v = json::object();
  const Value* tokens = f.find("tokenizer.ggml.tokens");
  const bool have_tokens =
      tokens != nullptr && tokens->is_array() && tokens->array_type() == ValueType::STRING;
  auto str = [&](const char* key) -> std::string {
    const Value* x = f.find(key);
    return x != nullptr && x->is_string() ? x->as_string() : std::string();
  };
  const std::string model = str("tokenizer.ggml.model");
  const std::string pre = str("tokenizer.ggml.pre");
  if (!model.empty()) {
    v["model"] = model;
    r.vocab.emplace_back(
        "model", printable(model) + (pre.empty() ? "" : " (pre-tokenizer " + printable(pre) + ")"));
  }
  if (!pre.empty()) v["pre"] = pre;
  if (have_tokens) {
    v["size"] = tokens->array_size();
    r.vocab.emplace_back("tokens", with_commas(tokens->array_size()));
  }
  if (const Value* m = f.find("tokenizer.ggml.merges"); m != nullptr && m->is_array()) {
    v["merges"] = m->array_size();
    r.vocab.emplace_back("merges", with_commas(m->array_size()));
  }
  for (const KnownKey& k : kSpecialTokens) {
    const Value* id = f.find(std::string("tokenizer.ggml.") + k.suffix);
    if (id == nullptr || !id->is_integer()) continue;
    const int64_t n = id->as_int();
    json entry = {{"id", n}};
    std::string shown = std::to_string(n);
    if (have_tokens && n >= 0 && static_cast<uint64_t>(n) < tokens->array_size()) {
      const std::string& text = tokens->strings()[static_cast<size_t>(n)];
      entry["text"] = text;
      shown += " \"" + printable(text, 40) + "\"";
    } else if (n < 0 || n == 0xffffffffll) {
      shown = "none";  // -1 stored as u32: the model has no such token
    } else {
      shown += " (not in the vocabulary)";
    }
    std::string label = k.label;
    for (char& c : label) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    v[label] = entry;
    r.vocab.emplace_back(k.label, shown);
  }
  for (const char* flag : {"add_bos_token", "add_eos_token"}) {
    const Value* b = f.find(std::string("tokenizer.ggml.") + flag);
    if (b == nullptr || !b->is_number()) continue;
    v[flag] = b->as_bool();
    r.vocab.emplace_back(flag, b->as_bool() ? "yes" : "no");
  }
}

void gather_chat_template(const File& f, Report& r) {
  json named = json::array();
  const Value* main_tmpl = f.find("tokenizer.chat_template");
  const std::string prefix = "tokenizer.chat_template.";
  for (const auto& [key, value] : f.metadata()) {
    if (key.rfind(prefix, 0) == 0 && value.is_string()) named.push_back(key.substr(prefix.size()));
  }
  const bool present = main_tmpl != nullptr && main_tmpl->is_string();
  r.j["chat_template"] = {{"present", present},
                          {"bytes", present ? main_tmpl->as_string().size() : 0},
                          {"named", named}};
}

Report gather(const File& f, uint64_t size_on_disk) {
  Report r;
  r.j["file"] = {{"path", f.path()}, {"size_bytes", size_on_disk}};
  r.j["gguf"] = {{"version", f.version()},
                 {"alignment", f.alignment()},
                 {"metadata_count", f.metadata().size()},
                 {"tensor_count", f.tensors().size()},
                 {"data_offset", f.data_offset()}};
  auto str = [&](const char* key) -> std::string {
    const Value* x = f.find(key);
    return x != nullptr && x->is_string() ? x->as_string() : std::string();
  };
  const std::string arch = str("general.architecture");
  r.j["architecture"] = arch.empty() ? json(nullptr) : json(arch);
  r.j["name"] = f.has("general.name") ? json(str("general.name")) : json(nullptr);
  if (const Value* ft = f.find("general.file_type"); ft != nullptr && ft->is_integer()) {
    r.j["file_type"] = {{"id", ft->as_int()}, {"name", file_type_name(ft->as_int())}};
  } else {
    r.j["file_type"] = nullptr;
  }
  if (const Value* qv = f.find("general.quantization_version"); qv != nullptr && qv->is_integer()) {
    r.j["quantization_version"] = qv->as_int();
  }
  gather_hparams(f, arch, r);
  gather_tensors(f, r);
  gather_vocab(f, r);
  gather_chat_template(f, r);
  return r;
}

void print_row(const std::string& label, const std::string& value, int indent = 0) {
  std::printf("%*s%-*s %s\n", indent, "", 26 - indent, (label + ":").c_str(), value.c_str());
}

void print_text(const File& f, const Report& r, bool list_tensors, bool list_metadata) {
  const json& j = r.j;
  const uint64_t size = j["file"]["size_bytes"].get<uint64_t>();
  print_row("file", printable(f.path(), 400));
  print_row("size on disk", human_bytes(size) + " (" + with_commas(size) + " bytes)");
  print_row("format", strfmt("GGUF v%u, alignment %u, %zu metadata keys, data at offset %" PRIu64,
                             f.version(), f.alignment(), f.metadata().size(), f.data_offset()));
  print_row("architecture", j["architecture"].is_null()
                                ? "(none)"
                                : printable(j["architecture"].get<std::string>()));
  if (!j["name"].is_null()) print_row("name", printable(j["name"].get<std::string>()));
  if (!j["file_type"].is_null()) {
    print_row("file type", strfmt("%s (general.file_type = %" PRId64 ")",
                                  j["file_type"]["name"].get<std::string>().c_str(),
                                  j["file_type"]["id"].get<int64_t>()));
  }

  if (!r.hparams.empty()) {
    std::printf("\nhyperparameters:\n");
    for (const auto& [label, value] : r.hparams) print_row(label, value, 2);
  }

  const json& t = j["tensors"];
  std::printf("\ntensors:\n");
  std::string types;
  for (const auto& [name, p] : t["by_type"].items()) {
    if (!types.empty()) types += ", ";
    types += name + " " + std::to_string(p["count"].get<uint64_t>());
  }
  if (f.tensors().empty()) {
    print_row("count", "0 (a vocabulary-only file)", 2);
  } else {
    const uint64_t params = t["parameters"].get<uint64_t>();
    print_row("count", std::to_string(t["count"].get<uint64_t>()) + " (" + types + ")", 2);
    print_row("parameters", human_count(params) + " (" + with_commas(params) + ")", 2);
    print_row("tensor data", human_bytes(t["bytes"].get<uint64_t>()), 2);
    print_row("bits per weight", strfmt("%.2f", t["bits_per_weight"].get<double>()), 2);
  }

  std::printf("\nvocabulary:\n");
  if (r.vocab.empty()) print_row("(none)", "the file has no tokenizer metadata", 2);
  for (const auto& [label, value] : r.vocab) print_row(label, value, 2);

  const json& ct = j["chat_template"];
  std::string tmpl = ct["present"].get<bool>()
                         ? "yes (" + with_commas(ct["bytes"].get<uint64_t>()) + " bytes)"
                         : "no";
  if (!ct["named"].empty()) {
    tmpl += ", named:";
    for (const auto& n : ct["named"]) tmpl += " " + printable(n.get<std::string>(), 40);
  }
  std::printf("\n");
  print_row("chat template", tmpl);

  if (list_metadata) {
    std::printf("\nmetadata:\n");
    for (const auto& [key, value] : f.metadata()) {
      std::string type = gguf::value_type_name(value.type());
      if (value.is_array()) type += std::string(" of ") + gguf::value_type_name(value.array_type());
      std::printf("  %-40s %-16s %s\n", printable(key, 200).c_str(), type.c_str(),
                  printable(value.to_display_string(), 200).c_str());
    }
  }
  if (list_tensors) {
    std::printf("\n%-6s %-40s %-8s %-24s %12s %12s\n", "index", "tensor", "type", "shape", "offset",
                "bytes");
    for (size_t i = 0; i < f.tensors().size(); ++i) {
      const TensorInfo& ti = f.tensors()[i];
      std::printf("%-6zu %-40s %-8s %-24s %12" PRIu64 " %12" PRIu64 "\n", i,
                  printable(ti.name, 200).c_str(), tensor_type_name(ti.type),
                  ti.shape_string().c_str(), ti.offset, ti.n_bytes);
    }
  }
}

void add_json_lists(const File& f, json& j, bool list_tensors, bool list_metadata) {
  if (list_metadata) {
    json m = json::object();
    for (const auto& [key, value] : f.metadata()) {
      m[key] = {{"type", gguf::value_type_name(value.type())}, {"value", to_json(value)}};
      if (value.is_array()) m[key]["element_type"] = gguf::value_type_name(value.array_type());
    }
    j["metadata"] = m;
  }
  if (list_tensors) {
    json list = json::array();
    for (const TensorInfo& ti : f.tensors()) {
      list.push_back({{"name", ti.name},
                      {"type", tensor_type_name(ti.type)},
                      {"shape", ti.ne},
                      {"offset", ti.offset},
                      {"bytes", ti.n_bytes}});
    }
    j["tensor_list"] = list;
  }
}

int run_info(int argc, char** argv) {
  CLI::App app(
      "Show what a GGUF model file holds: architecture, hyperparameters, tensors, "
      "vocabulary, chat template",
      "edgellm info");
  std::string model;
  bool as_json = false, list_tensors = false, list_metadata = false;
  app.add_option("-m,--model", model, "GGUF file")->required();
  app.add_flag("--json", as_json, "Print one JSON object instead of text");
  app.add_flag("--tensors", list_tensors, "Also list every tensor");
  app.add_flag("--metadata", list_metadata, "Also list every metadata key and value");
  if (int rc = parse_args(app, argc, argv); rc >= 0) return rc;

  auto file = File::open(model);
  if (!file.ok()) return fail(file.status().message());
  Report r = gather(*file, file->file_size());
  if (as_json) {
    add_json_lists(*file, r.j, list_tensors, list_metadata);
    // Strings in files need not be valid UTF-8: replace bad bytes rather than throw.
    std::printf("%s\n", r.j.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  } else {
    print_text(*file, r, list_tensors, list_metadata);
  }
  return 0;
}

CommandRegistration reg("info",
                        "Show a GGUF model's architecture, hyperparameters, tensors and vocabulary",
                        &run_info);

}  // namespace
}  // namespace edgellm::cli
