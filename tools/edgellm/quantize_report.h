// `edgellm quantize --report`: the quality-vs-memory table (see quantize_report.cc).
#pragma once

namespace edgellm::cli {

// Runs the report; argv as given to `edgellm quantize` (with --report among the arguments).
int run_quantize_report(int argc, char** argv);

}  // namespace edgellm::cli
