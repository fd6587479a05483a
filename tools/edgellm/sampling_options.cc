// Sampling options (see sampling_options.h).
#include "sampling_options.h"

namespace edgellm::cli {

void add_sampling_options(CLI::App& app, SamplerParams& p) {
  app.add_option("--temp", p.temp, "temperature; 0 = greedy (default 0.8)");
  app.add_option("--top-k", p.top_k, "top-k sampling; 0 = off (default 40)");
  app.add_option("--top-p", p.top_p, "top-p (nucleus) sampling; 1 = off (default 0.95)");
  app.add_option("--min-p", p.min_p, "min-p sampling; 0 = off (default 0.05)");
  app.add_option("--repeat-penalty", p.repeat_penalty, "repetition penalty; 1 = off (default 1)");
  app.add_option("--repeat-last-n", p.repeat_last_n, "tokens the penalties look back (default 64)");
  app.add_option("--frequency-penalty", p.frequency_penalty, "frequency penalty (default 0)");
  app.add_option("--presence-penalty", p.presence_penalty, "presence penalty (default 0)");
  app.add_option("-s,--seed", p.seed, "random seed (default: random)");
}

}  // namespace edgellm::cli
