// The pre-tokenizer table: for each tokenizer.ggml.pre value in GGUF files in the wild, the split
// patterns of the model's tokenizer.json and the settings llama.cpp applies to that family.
#include "tokenizer/pretokenizer.h"

#include <utility>

namespace edgellm::tokenizer {

namespace {

// GPT-2's ByteLevel pattern.
constexpr const char* kGpt2 =
    R"re('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)re";
// Llama 3 (cl100k-style, digits in groups of up to three).
constexpr const char* kLlama3 =
    R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
// Qwen2: as Llama 3 with single digits.
constexpr const char* kQwen2 =
    R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
// o200k-style (GPT-4o, Llama 4, Tekken-like casing split).
constexpr const char* kGpt4o =
    R"re([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
// Words after ASCII punctuation, letter runs with marks, punctuation/symbol runs (DeepSeek V3,
// AfMoE).
constexpr const char* kPunctWords =
    R"re([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
constexpr const char* kNewlineRuns = R"re([^\n]+|[\n]+)re";
constexpr const char* kBloom = R"re( ?[^(\s|.,!?\x{2026}\x{3002}\x{FF0C}\x{3001}\x{964}\x{6D4}\x{60C})]+)re";
constexpr const char* kCjkRuns = R"re([\x{4E00}-\x{9FA5}\x{800}-\x{4E00}\x{AC00}-\x{D7FF}]+)re";

struct Entry {
  std::vector<const char*> names;
  PreTokenizerConfig config;
};

PreTokenizerConfig make(std::vector<std::string> patterns, bool clean_spaces = true) {
  PreTokenizerConfig c;
  c.patterns = std::move(patterns);
  c.clean_spaces = clean_spaces;
  return c;
}

std::vector<Entry> build_table() {
  std::vector<Entry> t;
  auto add = [&](std::vector<const char*> names, PreTokenizerConfig c) {
    c.name = names[0];
    t.push_back(Entry{std::move(names), std::move(c)});
  };
  // What llama.cpp applies to BPE files without tokenizer.ggml.pre (GPT-NeoX conversions).
  add({"default"}, make({R"re([\p{P}\$\+<=>\^~\|]+)re", kGpt2, R"re(\p{N}+)re", "[0-9][0-9][0-9]"}));
  {
    PreTokenizerConfig c = make({kLlama3});
    c.ignore_merges = true;
    c.add_bos = true;
    add({"llama-bpe", "llama3", "llama-v3", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
         "jina-v5-nano"},
        c);
  }
  add({"dbrx"}, make({kLlama3}));
  add({"smaug-bpe"}, make({kLlama3}));
  {
    PreTokenizerConfig c = make({kLlama3});
    c.no_bos = true;
    add({"chatglm-bpe", "glm4"}, c);
  }
  add({"jais-2"},
      make({R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s{512}(?!\S)|\s{256}(?!\S)|\s{128}(?!\S)|\s{64}(?!\S)|\s{32}(?!\S)|\s{16}(?!\S)|\s{8}(?!\S)|\s{4}(?!\S)|\s{1,2}(?!\S)|\s{1})re"}));
  add({"deepseek-llm"},
      make({"[\r\n]",
            R"re(\s?[A-Za-z\x{B5}\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{1BA}\x{1BC}-\x{1BF}\x{1C4}-\x{293}\x{295}-\x{2AF}\x{370}-\x{373}\x{376}\x{377}\x{37B}-\x{37D}\x{37F}\x{386}\x{388}-\x{38A}\x{38C}\x{38E}-\x{3A1}\x{3A3}-\x{3F5}\x{3F7}-\x{481}\x{48A}-\x{52F}\x{531}-\x{556}\x{10A0}-\x{10C5}\x{13A0}-\x{13F5}\x{13F8}-\x{13FD}\x{1C90}-\x{1CBA}\x{1CBD}-\x{1CBF}\x{1D00}-\x{1D2B}\x{1D6B}-\x{1D77}\x{1D79}-\x{1D9A}\x{1E00}-\x{1F15}\x{1F18}-\x{1F1D}\x{1F20}-\x{1F45}\x{1F48}-\x{1F4D}\x{1F50}-\x{1F57}\x{1F59}\x{1F5B}\x{1F5D}\x{1F5F}-\x{1F7D}\x{1F80}-\x{1FB4}\x{1FB6}-\x{1FBC}\x{1FBE}\x{1FC2}-\x{1FC4}\x{1FC6}-\x{1FCC}\x{1FD0}-\x{1FD3}\x{1FD6}-\x{1FDB}\x{1FE0}-\x{1FEC}\x{1FF2}-\x{1FF4}\x{1FF6}-\x{1FFC}\x{2102}\x{2107}\x{210A}-\x{2113}\x{2115}\x{2119}-\x{211D}\x{2124}\x{2126}\x{2128}\x{212A}-\x{212D}\x{212F}-\x{2134}\x{2139}\x{213C}-\x{213F}\x{2145}-\x{2149}\x{214E}\x{2183}\x{2184}\x{2C00}-\x{2C7B}\x{2C7E}-\x{2CE4}\x{2CEB}-\x{2CEE}\x{2CF2}\x{2CF3}\x{A640}-\x{A66D}\x{A680}-\x{A69B}\x{A722}-\x{A76F}\x{A771}-\x{A787}\x{A78B}-\x{A78E}\x{AB70}-\x{ABBF}\x{FB00}-\x{FB06}\x{FB13}-\x{FB17}\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A}\x{10400}-\x{1044F}\x{104B0}-\x{104D3}\x{104D8}-\x{104FB}\x{10C80}-\x{10CB2}\x{10CC0}-\x{10CF2}\x{118A0}-\x{118DF}\x{1E900}-\x{1E943}]+)re",
            R"re(\s?[!-/:-~\x{FF01}-\x{FF0F}\x{FF1A}-\x{FF5E}\x{2018}-\x{201F}\x{3000}-\x{3002}]+)re", R"re(\s+$)re", kCjkRuns, R"re(\p{N}+)re"},
           false));
  add({"deepseek-coder"},
      make({"[\r\n]", R"re(\s?\p{L}+)re", R"re(\s?\p{P}+)re", kCjkRuns, R"re(\p{N})re"}, false));
  add({"deepseek-v3", "hunyuan-dense", "joyai-llm"},
      make({R"re(\p{N}{1,3})re", R"re([\x{4E00}-\x{9FA5}\x{3040}-\x{309F}\x{30A0}-\x{30FF}]+)re", kPunctWords}, false));
  {
    PreTokenizerConfig c =
        make({R"re([\x{AC00}-\x{D7A3}\x{3131}-\x{318E}]+|[\x{FF01}\x{2026}\x{201C}\x{201D}\x{2018}\x{2019}\x{2014}\x{FF1A}\x{FF1B}\x{FF0C}\x{3001}-\x{303F}\x{FE30}-\x{FE4F}]+|[\x{3105}-\x{312F}]+|[\x{4E00}-\x{9FA5}\x{3040}-\x{309F}\x{30A0}-\x{30FF}]+)re",
              R"re([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)re"},
             false);
    c.ignore_merges = true;
    add({"youtu"}, c);
  }
  add({"falcon"}, make({R"re([\p{P}\$\+<=>\^~\|]+)re", kGpt2, "[0-9][0-9][0-9]"}));
  add({"starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2"},
      make({R"re(\p{N})re", kGpt2}));
  add({"command-r"}, make({R"re(\p{N})re", kGpt2}, false));
  add({"smollm"}, make({R"re(\p{N})re", kGpt2}, false));
  add({"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0",
       "mellum", "modern-bert", "exaone4", "mpt", "olmo", "jais"},
      make({kGpt2}));
  add({"trillion"}, make({kGpt2}, false));
  add({"granite-docling"}, make({kGpt2}, false));
  {
    PreTokenizerConfig c = make({kGpt2});
    c.add_sep = true;
    add({"roberta-bpe", "jina-v1-en", "jina-v2-code"}, c);
  }
  add({"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "solar-open", "grok-2"},
      make({kQwen2}, false));
  add({"stablelm2", "megrez"}, make({kQwen2}));
  add({"qwen35"},
      make({R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re"},
           false));
  add({"poro-chat"}, make({kBloom}, false));
  add({"bloom", "gpt3-finnish"}, make({kBloom}));
  add({"viking"}, make({kBloom, R"re(\p{N})re"}, false));
  {
    PreTokenizerConfig c = make(
        {R"re([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)re"},
        false);
    c.ignore_merges = true;
    c.add_bos = true;
    add({"tekken"}, c);
  }
  {
    PreTokenizerConfig c =
        make({"<sentinel:[0-9]+>", "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z", R"re(([\t\n]|    |  ))re",
              R"re(\p{N})re", R"re([\p{P}!-/:-@\[-`{-~])re", kGpt2},
             false);
    c.add_bos = true;
    add({"chameleon"}, c);
  }
  add({"gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2"}, make({kGpt4o}, false));
  {
    PreTokenizerConfig c = make(
        {R"re([^\r\n\p{L}\p{N}]?((?=[\p{L}\p{M}])([^a-z]))*((?=[\p{L}\p{M}])([^A-Z]))+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?((?=[\p{L}\p{M}])([^a-z]))+((?=[\p{L}\p{M}])([^A-Z]))*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)re"},
        false);
    c.ignore_merges = true;
    add({"granite-embed-multi-97m"}, c);
  }
  add({"tiny_aya", "cohere2moe"}, make({R"re(\d{1,3}(?=(?:\d{3})*\b))re", kGpt4o}, false));
  add({"kimi-k2"},
      make({R"re([\p{Han}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]*[\p{Ll}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]+[\p{Ll}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re"},
           false));
  add({"superbpe"}, make({R"re(\p{N}+)re", R"re((?=(\d{3})+(?!\d)))re"}, false));
  add({"bailingmoe", "bailingmoe2", "llada-moe"},
      make({R"re('(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+)re"},
           false));
  add({"seed-coder"},
      make({R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+)re"},
           false));
  add({"afmoe"},
      make({R"re(\p{N}{1,3}(?=(?:\p{N}{3})*(?!\p{N})))re",
            R"re([\x{4E00}-\x{9FFF}\x{3400}-\x{4DBF}\x{F900}-\x{FAFF}\x{3040}-\x{309F}\x{30A0}-\x{30FF}\x{FF65}-\x{FF9F}\x{2F00}-\x{2FDF}\x{E40}-\x{E7F}\x{E80}-\x{EFF}\x{1780}-\x{17FF}\x{1000}-\x{109F}\x{AA60}-\x{AA7F}\x{A9E0}-\x{A9FF}\x{AC00}-\x{D7AF}\x{1100}-\x{11FF}]+)re", kPunctWords},
           false));
  add({"laguna"}, make({kNewlineRuns, kQwen2}, false));
  add({"exaone-moe"},
      make({R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?(?:\p{L}\p{M}*(?: \p{L}\p{M}*)*)+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]?|\s*[\r\n]|\s+(?!\S)|\s+)re"}));
  {
    // SPM-style BPE: spaces become U+2581 and merges run over whole lines of raw UTF-8.
    PreTokenizerConfig c = make({kNewlineRuns});
    c.byte_encode = false;
    c.escape_whitespace = true;
    c.add_bos = true;
    add({"gemma4", "granite-embed-multi-311m"}, c);
    c.clean_spaces = false;
    c.add_bos = false;
    add({"sarvam-moe"}, c);
  }
  {
    PreTokenizerConfig c = make({R"re(\p{N}{1,3})re",
                                 R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}+| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re"});
    c.ignore_merges = true;
    add({"minicpm5"}, c);
  }
  return t;
}

const std::vector<Entry>& table() {
  static const std::vector<Entry> t = build_table();
  return t;
}

}  // namespace

const PreTokenizerConfig* find_pre_tokenizer(std::string_view pre) {
  for (const auto& e : table()) {
    for (const char* n : e.names) {
      if (pre == n) return &e.config;
    }
  }
  return nullptr;
}

const std::vector<PreTokenizerConfig>& all_pre_tokenizers() {
  static const std::vector<PreTokenizerConfig> all = [] {
    std::vector<PreTokenizerConfig> v;
    for (const auto& e : table()) v.push_back(e.config);
    return v;
  }();
  return all;
}

std::vector<std::string> pre_tokenizer_names() {
  std::vector<std::string> names;
  for (const auto& e : table()) {
    for (const char* n : e.names) names.emplace_back(n);
  }
  return names;
}

Result<PreTokenizer> PreTokenizer::create(const PreTokenizerConfig& config) {
  PreTokenizer p;
  p.config_ = config;
  for (const auto& pattern : config.patterns) {
    Result<Regex> re = Regex::compile(pattern);
    if (!re.ok()) return re.status().with_context("pre-tokenizer '" + config.name + "'");
    p.regexes_.push_back(std::move(re).value());
  }
  return p;
}

std::vector<size_t> PreTokenizer::split(const std::vector<uint32_t>& text) const {
  std::vector<size_t> pieces;
  if (text.empty()) return pieces;
  pieces.push_back(text.size());
  for (const auto& re : regexes_) pieces = re.split(text, pieces);
  return pieces;
}

}  // namespace edgellm::tokenizer
