// What the machine has: memory in use by this process (current and peak resident set), physical
// core count. Linux reads /proc; other systems return 0 where unknown.
#pragma once

#include <cstdint>

namespace edgellm {

// Peak resident set size of this process in bytes (VmHWM), 0 if unknown.
uint64_t peak_rss_bytes();
// Current resident set size in bytes (VmRSS), 0 if unknown.
uint64_t current_rss_bytes();
// Number of physical cores (not SMT siblings) available to this process; at least 1.
int physical_core_count();
// Total physical memory in bytes, 0 if unknown.
uint64_t total_memory_bytes();

}  // namespace edgellm
