// Byte sizes and parameter counts as users type them (see size.h).
#include "plan/size.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>

namespace edgellm::plan {
namespace {

std::string lower(std::string_view s) {
  std::string out;
  for (char c : s) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits "1.5 GiB" into the number and the unit text (lower case, trimmed). False if no number.
bool split_number(std::string_view text, double& value, std::string& unit) {
  const std::string s(trim(text));
  if (s.empty()) return false;
  // strtod alone would accept "inf", "nan" and hex floats: allow digits, '.', and an exponent.
  size_t i = 0;
  bool digits = false;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) {
    digits |= s[i] != '.';
    ++i;
  }
  if (!digits) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E') && i + 1 < s.size() &&
      (std::isdigit(static_cast<unsigned char>(s[i + 1])) ||
       ((s[i + 1] == '+' || s[i + 1] == '-') && i + 2 < s.size() &&
        std::isdigit(static_cast<unsigned char>(s[i + 2]))))) {
    i += 2;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  }
  const std::string num = s.substr(0, i);
  char* end = nullptr;
  value = std::strtod(num.c_str(), &end);
  if (end != num.c_str() + num.size() || !std::isfinite(value)) return false;
  unit = lower(trim(std::string_view(s).substr(i)));
  return true;
}

}  // namespace

Result<uint64_t> parse_size(std::string_view text) {
  double v = 0;
  std::string unit;
  const std::string shown(text);
  if (!split_number(text, v, unit)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "'%s' is not a size (expected a number and a unit, like 2GiB, 512MB, 1.5G)",
                      shown.c_str());
  }
  double mul = 0;
  struct Unit {
    const char* name;
    double mul;
  };
  static const Unit kUnits[] = {
      {"", 1},
      {"b", 1},
      {"k", 1024.0},
      {"kib", 1024.0},
      {"kb", 1e3},
      {"m", 1048576.0},
      {"mib", 1048576.0},
      {"mb", 1e6},
      {"g", 1073741824.0},
      {"gib", 1073741824.0},
      {"gb", 1e9},
      {"t", 1099511627776.0},
      {"tib", 1099511627776.0},
      {"tb", 1e12},
  };
  for (const Unit& u : kUnits) {
    if (unit == u.name) mul = u.mul;
  }
  if (mul == 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "'%s': unknown size unit '%s' (expected B, KiB, MiB, GiB, TiB, KB, MB, GB, "
                      "TB, K, M, G or T)",
                      shown.c_str(), unit.c_str());
  }
  const double bytes = std::round(v * mul);
  if (bytes <= 0 || bytes >= 1.8e19) {
    return make_error(ErrorCode::kInvalidArgument, "'%s': size must be positive and below 16 EiB",
                      shown.c_str());
  }
  return static_cast<uint64_t>(bytes);
}

Result<double> parse_count(std::string_view text) {
  double v = 0;
  std::string unit;
  const std::string shown(text);
  if (!split_number(text, v, unit)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "'%s' is not a parameter count (expected e.g. 8B, 1.5B, 135M or 8e9)",
                      shown.c_str());
  }
  double mul = 0;
  if (unit.empty()) mul = 1;
  if (unit == "k") mul = 1e3;
  if (unit == "m") mul = 1e6;
  if (unit == "b" || unit == "g") mul = 1e9;
  if (unit == "t") mul = 1e12;
  if (mul == 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "'%s': unknown count suffix '%s' (expected K, M, B or T)", shown.c_str(),
                      unit.c_str());
  }
  const double n = v * mul;
  if (!(n >= 1) || n > 1e15) {
    return make_error(ErrorCode::kInvalidArgument, "'%s': parameter count out of range",
                      shown.c_str());
  }
  return n;
}

std::string format_bytes(uint64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return strfmt("%llu B", static_cast<unsigned long long>(bytes));
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  return strfmt(v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, kUnits[u]);
}

std::string format_signed_bytes(int64_t bytes) {
  if (bytes >= 0) return format_bytes(static_cast<uint64_t>(bytes));
  std::string out = format_bytes(static_cast<uint64_t>(-(bytes + 1)) + 1);
  out.insert(out.begin(), '-');
  return out;
}

}  // namespace edgellm::plan
