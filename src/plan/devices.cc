// Built-in device profiles and the user's device file (see devices.h).
#include "plan/devices.h"

#include <sys/stat.h>
#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "base/mapped_file.h"
#include "plan/size.h"

namespace edgellm::plan {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kMiB = uint64_t{1} << 20;

bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// A size field: a string ("8GiB") or a non-negative number of bytes.
Result<uint64_t> size_field(const nlohmann::json& j, const std::string& where) {
  if (j.is_number_unsigned()) return j.get<uint64_t>();
  if (j.is_number_integer() && j.get<int64_t>() >= 0)
    return static_cast<uint64_t>(j.get<int64_t>());
  if (j.is_number_float() && j.get<double>() >= 0) return static_cast<uint64_t>(j.get<double>());
  if (j.is_string()) {
    Result<uint64_t> v = parse_size(j.get<std::string>());
    if (v.ok()) return v;
    return Status(ErrorCode::kInvalidArgument, where + ": " + v.status().message());
  }
  return Status(ErrorCode::kInvalidArgument,
                where + ": expected a size like \"8GiB\" or a number of bytes");
}

}  // namespace

// Usable memory is RAM less what the OS and the rest of the system keep. The shares are stated
// estimates: phones keep the most (Android's system services, launcher and other apps' minimum
// working sets), a headless Linux board the least. Bandwidths are sustained CPU read rates (what a
// streaming read across all cores reaches, well below the bus's theoretical peak).
const std::vector<DeviceProfile>& builtin_devices() {
  static const std::vector<DeviceProfile> kDevices = {
      {"mobile-4gb", "phone with 4 GB LPDDR4X (Android keeps ~1.5 GiB)", 4 * kGiB, 1536 * kMiB, 8,
       12.0},
      {"mobile-8gb", "phone with 8 GB LPDDR5 (Android keeps ~2.5 GiB)", 8 * kGiB, 2560 * kMiB, 8,
       30.0},
      {"rpi5-8gb", "Raspberry Pi 5, 8 GB LPDDR4X-4267, 4x Cortex-A76 (headless OS: ~0.5 GiB)",
       8 * kGiB, 512 * kMiB, 4, 9.0},
      {"edge-16gb", "x86/ARM edge box, 16 GB dual-channel DDR4/5 (OS keeps ~2 GiB)", 16 * kGiB,
       2 * kGiB, 8, 40.0},
      {"edge-24gb", "x86/ARM edge box, 24 GB dual-channel DDR5 (OS keeps ~2 GiB)", 24 * kGiB,
       2 * kGiB, 8, 50.0},
      {"jetson-orin-32gb",
       "Jetson AGX Orin 32GB, 8x Cortex-A78AE, LPDDR5 shared with the GPU "
       "(JetPack keeps ~2 GiB)",
       32 * kGiB, 2 * kGiB, 8, 60.0},
      {"jetson-orin-64gb",
       "Jetson AGX Orin 64GB, 12x Cortex-A78AE, LPDDR5 shared with the GPU "
       "(JetPack keeps ~2 GiB)",
       64 * kGiB, 2 * kGiB, 12, 75.0},
  };
  return kDevices;
}

Result<std::vector<DeviceProfile>> parse_devices_json(const std::string& text,
                                                      const std::string& path) {
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorCode::kInvalidArgument, "%s: not valid JSON: %s", path.c_str(),
                      e.what());
  }
  const nlohmann::json* list = &root;
  std::string prefix = "";
  if (root.is_object()) {
    if (!root.contains("devices")) {
      return make_error(ErrorCode::kInvalidArgument, "%s: missing field \"devices\"", path.c_str());
    }
    list = &root["devices"];
    prefix = "devices";
  }
  if (!list->is_array()) {
    return make_error(ErrorCode::kInvalidArgument, "%s: %s: expected an array of devices",
                      path.c_str(), prefix.empty() ? "top level" : prefix.c_str());
  }
  std::vector<DeviceProfile> out;
  for (size_t i = 0; i < list->size(); ++i) {
    const nlohmann::json& d = (*list)[i];
    const std::string where = path + ": " + prefix + strfmt("[%zu]", i);
    if (!d.is_object()) return Status(ErrorCode::kInvalidArgument, where + ": expected an object");
    DeviceProfile p;
    p.source = path;
    if (!d.contains("name") || !d["name"].is_string() || d["name"].get<std::string>().empty()) {
      return Status(ErrorCode::kInvalidArgument, where + ".name: expected a non-empty string");
    }
    p.name = d["name"].get<std::string>();
    if (!d.contains("memory")) {
      return Status(ErrorCode::kInvalidArgument, where + ".memory: missing (e.g. \"8GiB\")");
    }
    EDGELLM_ASSIGN_OR_RETURN(p.memory_bytes, size_field(d["memory"], where + ".memory"));
    if (d.contains("os_reserved")) {
      EDGELLM_ASSIGN_OR_RETURN(p.os_reserved_bytes,
                               size_field(d["os_reserved"], where + ".os_reserved"));
    }
    if (p.os_reserved_bytes >= p.memory_bytes) {
      return Status(ErrorCode::kInvalidArgument, where + ".os_reserved: must be less than memory");
    }
    p.cores = 4;
    if (d.contains("cores")) {
      if (!d["cores"].is_number_integer() || d["cores"].get<int64_t>() < 1 ||
          d["cores"].get<int64_t>() > 4096) {
        return Status(ErrorCode::kInvalidArgument,
                      where + ".cores: expected an integer from 1 to 4096");
      }
      p.cores = d["cores"].get<int>();
    }
    if (d.contains("bandwidth_gbps")) {
      if (!d["bandwidth_gbps"].is_number() || d["bandwidth_gbps"].get<double>() < 0) {
        return Status(ErrorCode::kInvalidArgument,
                      where + ".bandwidth_gbps: expected a non-negative number (GB/s)");
      }
      p.bandwidth_gbps = d["bandwidth_gbps"].get<double>();
    }
    if (d.contains("description")) {
      if (!d["description"].is_string()) {
        return Status(ErrorCode::kInvalidArgument, where + ".description: expected a string");
      }
      p.description = d["description"].get<std::string>();
    }
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::vector<DeviceProfile>> load_devices_file(const std::string& path) {
  Result<std::string> text = read_file(path);
  if (!text.ok()) {
    return make_error(ErrorCode::kIoError, "%s: cannot read the device file: %s", path.c_str(),
                      text.status().message().c_str());
  }
  return parse_devices_json(*text, path);
}

std::string devices_file_path() {
  if (const char* env = std::getenv("EDGELLM_DEVICES"); env != nullptr && *env != '\0') return env;
  std::string dir;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0') {
    dir = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    dir = std::string(home) + "/.config";
  }
  if (dir.empty()) return "";
  const std::string path = dir + "/edgellm/devices.json";
  return exists(path) ? path : "";
}

Result<std::vector<DeviceProfile>> all_devices() {
  std::vector<DeviceProfile> out = builtin_devices();
  const std::string path = devices_file_path();
  if (path.empty()) return out;
  EDGELLM_ASSIGN_OR_RETURN(std::vector<DeviceProfile> user, load_devices_file(path));
  for (DeviceProfile& u : user) {
    bool replaced = false;
    for (DeviceProfile& d : out) {
      if (same_name(d.name, u.name)) {
        d = u;
        replaced = true;
      }
    }
    if (!replaced) out.push_back(std::move(u));
  }
  return out;
}

Result<DeviceProfile> find_device(const std::vector<DeviceProfile>& devices,
                                  std::string_view name) {
  std::string names;
  for (const DeviceProfile& d : devices) {
    if (same_name(d.name, name)) return d;
    names += (names.empty() ? "" : ", ") + d.name;
  }
  return make_error(ErrorCode::kNotFound, "unknown device '%s' (known: %s)",
                    std::string(name).c_str(), names.c_str());
}

}  // namespace edgellm::plan
