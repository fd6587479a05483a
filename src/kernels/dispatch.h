// Which instruction set the kernels run on. The best ISA this CPU supports (and this build
// compiled) is picked once at start-up; EDGELLM_ISA=scalar|avx2|avx512|neon|neon_dotprod forces a
// narrower one, and ScopedIsa does the same inside tests and benchmarks so that every path can be
// compared with its scalar twin on one machine. Each kernel reads active_isa() once per call and
// runs the whole operation on that ISA.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace edgellm::kernels {

// Ordered from narrowest to widest within each architecture.
enum class Isa {
  kScalar = 0,
  kAvx2,         // AVX2 + FMA + F16C
  kAvx512,       // AVX-512 F/BW/VL/DQ (VNNI and BF16 used inside when present)
  kNeon,         // AArch64 Advanced SIMD
  kNeonDotprod,  // NEON with the SDOT/UDOT instructions (ARMv8.2 dotprod) and FP16
};
constexpr int kNumIsas = 5;

const char* isa_name(Isa isa);
std::optional<Isa> isa_from_name(std::string_view name);

// True if this build contains code for `isa` and this CPU can run it.
bool isa_supported(Isa isa);
// Every supported ISA, scalar first.
std::vector<Isa> supported_isas();
// The widest supported ISA, ignoring EDGELLM_ISA.
Isa best_isa();

// The ISA kernels use now: EDGELLM_ISA if set and supported (a warning is logged once
// otherwise), else best_isa(); overridden by a live ScopedIsa. Thread-safe.
Isa active_isa();

// Forces `isa` (which must be supported) until destroyed; restores the previous choice.
// For tests and benchmarks; not meant to be used while other threads run kernels.
class ScopedIsa {
 public:
  explicit ScopedIsa(Isa isa);
  ~ScopedIsa();
  ScopedIsa(const ScopedIsa&) = delete;
  ScopedIsa& operator=(const ScopedIsa&) = delete;

 private:
  int previous_;
};

}  // namespace edgellm::kernels
