// Conformance against the reference implementation's outputs in golden/logits (see the README
// there): for every model and prompt, identical token ids, the same top-1 token at every prompt
// position except at near-ties, last-position logits within a tolerance relative to their spread,
// and the same greedy continuation up to the first near-tie. BERT pooled embeddings must reach
// cosine 0.9999.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/testdata.h"
#include "model/context.h"
#include "model/model.h"

namespace edgellm::model {
namespace {

using nlohmann::json;

std::string hex_to_bytes(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string model_path(const std::string& file) {
  const std::string top = testing::testdata_path("models/" + file);
  return testing::file_exists(top) ? top : testing::testdata_path("models/synthetic/" + file);
}

std::shared_ptr<const Model> load_cached(const std::string& path) {
  static std::map<std::string, std::shared_ptr<const Model>> cache;
  auto it = cache.find(path);
  if (it != cache.end()) return it->second;
  auto m = Model::load(path);
  EXPECT_TRUE(m.ok()) << m.status().message();
  if (!m.ok()) return nullptr;
  cache[path] = *m;
  return *m;
}

double stddev(const std::vector<float>& v) {
  double mean = 0;
  for (float x : v) mean += x;
  mean /= v.size();
  double var = 0;
  for (float x : v) var += (x - mean) * (x - mean);
  return std::sqrt(var / v.size());
}

int32_t argmax(const float* x, int64_t n) {
  return static_cast<int32_t>(std::max_element(x, x + n) - x);
}

// The reference logit of `id` in a reference top-K list, or NaN if absent.
double ref_logit(const json& top, int32_t id) {
  for (const json& e : top) {
    if (e[0].get<int32_t>() == id) return e[1].get<double>();
  }
  return NAN;
}

// True when the reference ranks `ours` within `tol` of its own top-1 (a near-tie the reference
// itself moves across when its settings change).
bool near_tie(const json& ref_top, int32_t ours, double tol) {
  const double l = ref_logit(ref_top, ours);
  return !std::isnan(l) && ref_top[0][1].get<double>() - l <= tol;
}

struct Case {
  std::string file;
};

std::vector<Case> golden_cases() {
  std::vector<Case> out;
  for (const std::string& f : testing::list_testdata("golden/logits", ".json")) {
    const std::string base = f.substr(f.find_last_of('/') + 1);
    if (base.find("__p") == std::string::npos || base.find("__fa") != std::string::npos) continue;
    out.push_back({f});
  }
  return out;
}

class LogitsConformance : public ::testing::TestWithParam<Case> {};

TEST_P(LogitsConformance, MatchesReference) {
  const json g = json::parse(std::ifstream(GetParam().file));
  const std::string path = model_path(g["model_file"].get<std::string>());
  EDGELLM_REQUIRE_FILE(path);
  std::shared_ptr<const Model> model = load_cached(path);
  ASSERT_TRUE(model);
  const std::string file = g["model_file"].get<std::string>();
  const bool quantized = file.find("-Q") != std::string::npos;
  const bool moe = model->hparams().n_expert > 0;

  const std::string prompt = hex_to_bytes(g["prompt_hex"].get<std::string>());
  const std::vector<Token> tokens = model->tokenizer().encode(prompt, true, true);
  ASSERT_EQ(tokens, g["token_ids"].get<std::vector<Token>>());

  const auto ref_last = g["last_logits"].get<std::vector<float>>();
  const double std_last = stddev(ref_last);
  // Tolerances from the issue: 0.03 x std for float models, 0.1 x std for quantized ones.
  const double tol = (quantized ? 0.1 : 0.03) * std_last;
  // MoE router near-ties move single positions by up to ~0.7 x std in the reference itself.
  const double tie_tol = moe ? 0.7 * std_last : tol;

  ContextParams cp;
  const int64_t n = static_cast<int64_t>(tokens.size());
  cp.n_ctx = std::max<int64_t>(512, n + 32);
  cp.n_batch = n;
  cp.n_outputs = n;
  cp.n_threads = 2;
  auto ctx = Context::create(model, cp);
  ASSERT_TRUE(ctx.ok()) << ctx.status().message();
  Context& c = **ctx;
  ASSERT_TRUE(c.decode(tokens, true).ok());
  const int64_t V = c.n_vocab();

  int mismatches = 0;
  for (int64_t i = 0; i < n; ++i) {
    const json& ref_top = g["prompt_top"][i];
    const int32_t ours = argmax(c.logits(i), V);
    if (ours != ref_top[0][0].get<int32_t>()) {
      ++mismatches;
      EXPECT_TRUE(near_tie(ref_top, ours, tie_tol))
          << "position " << i << ": top-1 " << ours << " vs reference " << ref_top[0][0]
          << " (reference gap " << ref_top[0][1].get<double>() - ref_logit(ref_top, ours) << ")";
    }
  }
  double max_diff = 0;
  const float* last = c.logits(n - 1);
  for (int64_t v = 0; v < V; ++v) max_diff = std::max(max_diff, std::fabs(double(last[v]) - ref_last[v]));
  EXPECT_LE(max_diff, tol) << "last-position logits differ by " << max_diff << " (std " << std_last
                           << ")";

  // Greedy continuation, compared up to the first divergence, which must be at a near-tie.
  const auto ref_gen = g["generated_ids"].get<std::vector<Token>>();
  Token next = argmax(last, V);
  int matched = 0;
  for (size_t i = 0; i < ref_gen.size(); ++i) {
    if (next != ref_gen[i]) {
      json ref_top;
      if (i == 0) {
        ref_top = g["prompt_top"][n - 1];
      } else {
        ref_top = g["decode_steps"][i - 1]["top"];
      }
      EXPECT_TRUE(near_tie(ref_top, next, tie_tol))
          << "greedy token " << i << ": " << next << " vs reference " << ref_gen[i];
      break;
    }
    ++matched;
    ASSERT_TRUE(c.decode(std::span<const Token>(&next, 1)).ok());
    next = argmax(c.logits(0), V);
  }
  RecordProperty("max_last_diff_rel", std::to_string(max_diff / std_last));
  std::printf("  %s: max last-logit diff %.4g (%.4f x std), top-1 mismatches %d/%lld, greedy %d/%zu\n",
              file.c_str(), max_diff, max_diff / std_last, mismatches, static_cast<long long>(n),
              matched, ref_gen.size());
}

INSTANTIATE_TEST_SUITE_P(Golden, LogitsConformance, ::testing::ValuesIn(golden_cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string s = info.param.file.substr(info.param.file.find_last_of('/') + 1);
                           s = s.substr(0, s.size() - 5);
                           for (char& ch : s) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return s;
                         });

TEST(EmbeddingConformance, BertPooledEmbeddings) {
  const std::string gpath = testing::testdata_path("golden/logits/synth-bert__embed.json");
  const std::string mpath = testing::testdata_path("models/synthetic/synth-bert.gguf");
  EDGELLM_REQUIRE_FILE(gpath);
  EDGELLM_REQUIRE_FILE(mpath);
  const json g = json::parse(std::ifstream(gpath));
  auto model = Model::load(mpath);
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto ctx = Context::create(*model, {});
  ASSERT_TRUE(ctx.ok()) << ctx.status().message();
  for (const json& item : g["items"]) {
    const auto tokens = (*model)->tokenizer().encode(item["text"].get<std::string>(), true, true);
    ASSERT_EQ(tokens, item["token_ids"].get<std::vector<Token>>());
    auto emb = (*ctx)->embed(tokens);
    ASSERT_TRUE(emb.ok()) << emb.status().message();
    const auto ref = item["embedding"].get<std::vector<float>>();
    double dot = 0, na = 0, nb = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      dot += double((*emb)[i]) * ref[i];
      na += double((*emb)[i]) * (*emb)[i];
      nb += double(ref[i]) * ref[i];
    }
    EXPECT_GE(dot / std::sqrt(na * nb), 0.9999) << item["text"];
  }
}

}  // namespace
}  // namespace edgellm::model
