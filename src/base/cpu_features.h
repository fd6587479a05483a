// What the CPU can do, detected once at run time. Kernels pick their ISA from this (see
// kernels/dispatch.h); nothing here needs ISA compile flags.
#pragma once

namespace edgellm {

struct CpuFeatures {
  // x86
  bool sse42 = false;
  bool avx = false;
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512dq = false;
  bool avx512vnni = false;
  bool avx512bf16 = false;
  bool avxvnni = false;
  // ARM
  bool neon = false;
  bool dotprod = false;
  bool fp16 = false;
  bool i8mm = false;
};

// Detected once, then cached. Thread-safe.
const CpuFeatures& cpu_features();

}  // namespace edgellm
