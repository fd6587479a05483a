// Parsing and printing the quantities a memory plan talks about: byte sizes ("2GiB", "512MB",
// "1.5G") and parameter counts ("8B", "135M", "8e9"). Pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace edgellm::plan {

// A byte size: a number (decimal point and exponent allowed) and an optional unit, case-
// insensitive, spaces allowed between them. KiB/MiB/GiB/TiB are powers of 1024, KB/MB/GB/TB powers
// of 1000 (SI), and a bare K/M/G/T is binary as in `ulimit` and container limits ("1.5G" = 1.5
// GiB). No unit or "B" means bytes. Errors name the text and say what was expected.
Result<uint64_t> parse_size(std::string_view text);

// A parameter count: a number with an optional K (1e3), M (1e6), B or G (1e9) or T (1e12)
// suffix, or an exponent ("8e9"). Must be positive.
Result<double> parse_count(std::string_view text);

// "1.50 GiB", "512.0 MiB", "900 B": binary units, three significant figures.
std::string format_bytes(uint64_t bytes);
// Signed variant for margins: "-120.0 MiB".
std::string format_signed_bytes(int64_t bytes);

}  // namespace edgellm::plan
