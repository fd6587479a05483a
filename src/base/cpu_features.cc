// CPU feature detection: cpuid through the compiler builtins on x86, hwcaps on Linux/ARM.
#include "base/cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace edgellm {
namespace {

CpuFeatures detect() {
  CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  f.sse42 = __builtin_cpu_supports("sse4.2");
  f.avx = __builtin_cpu_supports("avx");
  f.avx2 = __builtin_cpu_supports("avx2");
  f.fma = __builtin_cpu_supports("fma");
  f.avx512f = __builtin_cpu_supports("avx512f");
  f.avx512bw = __builtin_cpu_supports("avx512bw");
  f.avx512vl = __builtin_cpu_supports("avx512vl");
  f.avx512dq = __builtin_cpu_supports("avx512dq");
  f.avx512vnni = __builtin_cpu_supports("avx512vnni");
  f.avx512bf16 = __builtin_cpu_supports("avx512bf16");
  // AVX-VNNI: CPUID leaf 7 subleaf 1, EAX bit 4 (clang 14 has no builtin name for it).
  unsigned l7a = 0, l7b = 0, l7c = 0, l7d = 0;
  if (__get_cpuid_count(7, 1, &l7a, &l7b, &l7c, &l7d)) f.avxvnni = (l7a >> 4) & 1u;
  // F16C has no builtin name in every compiler: CPUID leaf 1, ECX bit 29.
  unsigned eax, ebx, ecx, edx;
  __asm__ volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(1), "c"(0));
  f.f16c = (ecx >> 29) & 1u;
#elif defined(__aarch64__)
  f.neon = true;  // Advanced SIMD is mandatory on AArch64.
#if defined(__linux__)
  const unsigned long hw = getauxval(AT_HWCAP);
  const unsigned long hw2 = getauxval(AT_HWCAP2);
#ifdef HWCAP_ASIMDDP
  f.dotprod = (hw & HWCAP_ASIMDDP) != 0;
#endif
#ifdef HWCAP_ASIMDHP
  f.fp16 = (hw & HWCAP_ASIMDHP) != 0;
#endif
#ifdef HWCAP2_I8MM
  f.i8mm = (hw2 & HWCAP2_I8MM) != 0;
#endif
  (void)hw2;
#endif
#endif
  return f;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

}  // namespace edgellm
