// Process memory and core counts from /proc and sched_getaffinity.
#include "base/sysinfo.h"

#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <utility>

namespace edgellm {
namespace {

uint64_t proc_status_kb(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const size_t klen = std::strlen(key);
  while (std::getline(f, line)) {
    if (line.compare(0, klen, key) == 0 && line.size() > klen && line[klen] == ':') {
      return std::strtoull(line.c_str() + klen + 1, nullptr, 10);
    }
  }
  return 0;
}

}  // namespace

uint64_t peak_rss_bytes() { return proc_status_kb("VmHWM") * 1024; }
uint64_t current_rss_bytes() { return proc_status_kb("VmRSS") * 1024; }

int physical_core_count() {
  cpu_set_t set;
  int logical = 0;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) logical = CPU_COUNT(&set);
  if (logical <= 0) logical = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  if (logical <= 0) logical = 1;
  // Count distinct (package, core) pairs among the CPUs we may run on.
  std::set<std::pair<int, int>> cores;
  for (int cpu = 0; cpu < CPU_SETSIZE && static_cast<int>(cores.size()) < logical * 2; ++cpu) {
    if (!CPU_ISSET(cpu, &set)) continue;
    char path[128];
    std::snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/core_id", cpu);
    std::ifstream c(path);
    std::snprintf(path, sizeof(path),
                  "/sys/devices/system/cpu/cpu%d/topology/physical_package_id", cpu);
    std::ifstream p(path);
    int core = -1, pkg = 0;
    if (!(c >> core)) return logical;
    p >> pkg;
    cores.insert({pkg, core});
  }
  return cores.empty() ? logical : static_cast<int>(cores.size());
}

uint64_t total_memory_bytes() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return 0;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page);
}

}  // namespace edgellm
