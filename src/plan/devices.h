// Device profiles for the memory planner: how much memory a model may use on a device (its RAM
// less a stated share for the operating system and other programs), its CPU cores, and the
// memory bandwidth the CPU reaches, which bounds generation speed. Built-in profiles cover common
// phones, edge boxes, the Raspberry Pi 5 and Jetson Orin modules; users add or override profiles
// in a JSON file.
//
// The file ($EDGELLM_DEVICES, else $XDG_CONFIG_HOME/edgellm/devices.json, else
// ~/.config/edgellm/devices.json):
//
//   {"devices": [{"name": "my-board", "memory": "8GiB", "os_reserved": "1GiB", "cores": 4,
//                 "bandwidth_gbps": 12.5, "description": "..."}]}
//
// "memory" and "os_reserved" take a size string or a number of bytes; "os_reserved" (default 0),
// "cores" (default 4), "bandwidth_gbps" (GB/s the CPU sustains; 0 = unknown) and "description"
// are optional. A top-level array of devices is accepted too.
//
// Pure data and functions; the loaders read files. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace edgellm::plan {

struct DeviceProfile {
  std::string name;                // "rpi5-8gb"
  std::string description;         // "Raspberry Pi 5, 8 GB LPDDR4X"
  uint64_t memory_bytes = 0;       // installed RAM
  uint64_t os_reserved_bytes = 0;  // kept for the OS and other programs
  int cores = 0;
  double bandwidth_gbps = 0;        // sustained CPU memory bandwidth in GB/s (1e9 B/s); 0 = unknown
  std::string source = "built-in";  // or the config file it came from

  // What a model may use: memory_bytes - os_reserved_bytes.
  uint64_t usable_bytes() const {
    return memory_bytes > os_reserved_bytes ? memory_bytes - os_reserved_bytes : 0;
  }
};

// The built-in profiles, smallest first.
const std::vector<DeviceProfile>& builtin_devices();

// Parses a device file's text. `path` names the file in errors, which also name the field:
// "devices.json: devices[1].memory: expected a size like \"8GiB\" or a number of bytes".
Result<std::vector<DeviceProfile>> parse_devices_json(const std::string& text,
                                                      const std::string& path);
// Reads and parses a device file.
Result<std::vector<DeviceProfile>> load_devices_file(const std::string& path);

// The device file to read: $EDGELLM_DEVICES if set (it must then exist), else the XDG or
// ~/.config location if that file exists, else "".
std::string devices_file_path();

// Built-in profiles plus those of devices_file_path(); a user profile replaces a built-in one of
// the same name. Errors come from the file.
Result<std::vector<DeviceProfile>> all_devices();

// The profile called `name` (case-insensitive) in `devices`; kNotFound listing the names.
Result<DeviceProfile> find_device(const std::vector<DeviceProfile>& devices, std::string_view name);

}  // namespace edgellm::plan
