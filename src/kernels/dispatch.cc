// ISA selection: CPU features and compiled-in tables decide what is supported; EDGELLM_ISA and
// ScopedIsa narrow the choice.
#include "kernels/dispatch.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#include "base/cpu_features.h"
#include "base/log.h"
#include "kernels/isa_table.h"

namespace edgellm::kernels {
namespace {

constexpr const char* kIsaNames[kNumIsas] = {"scalar", "avx2", "avx512", "neon", "neon_dotprod"};

// -1: no override. Otherwise the Isa forced by a ScopedIsa.
std::atomic<int> g_forced{-1};

bool cpu_can_run(Isa isa) {
  const CpuFeatures& f = cpu_features();
  switch (isa) {
    case Isa::kScalar:
      return true;
    case Isa::kAvx2:
      return f.avx2 && f.fma && f.f16c;
    case Isa::kAvx512:
      return f.avx2 && f.fma && f.f16c && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq;
    case Isa::kNeon:
      return f.neon;
    case Isa::kNeonDotprod:
      return f.neon && f.dotprod && f.fp16;
  }
  return false;
}

bool compiled_in(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return true;
#if defined(EDGELLM_HAVE_AVX2)
    case Isa::kAvx2:
      return true;
#endif
#if defined(EDGELLM_HAVE_AVX512)
    case Isa::kAvx512:
      return true;
#endif
#if defined(EDGELLM_HAVE_NEON)
    case Isa::kNeon:
      return true;
    case Isa::kNeonDotprod:
      return true;
#endif
    default:
      return false;
  }
}

Isa env_or_best() {
  const Isa best = best_isa();
  const char* env = std::getenv("EDGELLM_ISA");
  if (env == nullptr || *env == '\0') return best;
  const std::optional<Isa> want = isa_from_name(env);
  if (!want) {
    EDGELLM_LOG_WARN("EDGELLM_ISA='%s' is not an ISA name (scalar, avx2, avx512, neon, "
                     "neon_dotprod); using %s", env, isa_name(best));
    return best;
  }
  if (!isa_supported(*want)) {
    EDGELLM_LOG_WARN("EDGELLM_ISA=%s is not supported by this CPU or build; using %s", env,
                     isa_name(best));
    return best;
  }
  return *want;
}

}  // namespace

const char* isa_name(Isa isa) {
  const int i = static_cast<int>(isa);
  return i >= 0 && i < kNumIsas ? kIsaNames[i] : "unknown";
}

std::optional<Isa> isa_from_name(std::string_view name) {
  for (int i = 0; i < kNumIsas; ++i) {
    if (name == kIsaNames[i]) return static_cast<Isa>(i);
  }
  return std::nullopt;
}

bool isa_supported(Isa isa) { return compiled_in(isa) && cpu_can_run(isa); }

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (int i = 0; i < kNumIsas; ++i) {
    if (isa_supported(static_cast<Isa>(i))) out.push_back(static_cast<Isa>(i));
  }
  return out;
}

Isa best_isa() {
  static const Isa best = [] {
    Isa b = Isa::kScalar;
    for (Isa isa : {Isa::kAvx2, Isa::kAvx512, Isa::kNeon, Isa::kNeonDotprod}) {
      if (isa_supported(isa)) b = isa;
    }
    return b;
  }();
  return best;
}

Isa active_isa() {
  const int forced = g_forced.load(std::memory_order_relaxed);
  if (forced >= 0) return static_cast<Isa>(forced);
  static const Isa chosen = env_or_best();
  return chosen;
}

ScopedIsa::ScopedIsa(Isa isa) : previous_(g_forced.load()) {
  g_forced.store(isa_supported(isa) ? static_cast<int>(isa) : static_cast<int>(Isa::kScalar));
}

ScopedIsa::~ScopedIsa() { g_forced.store(previous_); }

namespace detail {

#if !defined(EDGELLM_HAVE_AVX2)
const IsaTable* avx2_table() { return nullptr; }
#endif
#if defined(EDGELLM_HAVE_AVX512)
// Two AVX-512 builds of the same kernels: with VNNI byte dot products where the CPU has them.
const IsaTable* avx512_base_table();
const IsaTable* avx512_vnni_table();
const IsaTable* avx512_table() {
  return cpu_features().avx512vnni ? avx512_vnni_table() : avx512_base_table();
}
#else
const IsaTable* avx512_table() { return nullptr; }
#endif
#if !defined(EDGELLM_HAVE_NEON)
const IsaTable* neon_table() { return nullptr; }
const IsaTable* neon_dotprod_table() { return nullptr; }
#endif

const IsaTable& isa_table(Isa isa) {
  const IsaTable* t = nullptr;
  switch (isa) {
    case Isa::kScalar:
      break;
    case Isa::kAvx2:
      t = avx2_table();
      break;
    case Isa::kAvx512:
      t = avx512_table();
      break;
    case Isa::kNeon:
      t = neon_table();
      break;
    case Isa::kNeonDotprod:
      t = neon_dotprod_table();
      break;
  }
  return t != nullptr ? *t : scalar_table();
}

const IsaTable& active_table() {
  // The common case (no override) costs one relaxed load and a cached pointer.
  const int forced = g_forced.load(std::memory_order_relaxed);
  if (forced >= 0) return isa_table(static_cast<Isa>(forced));
  static const IsaTable* table = &isa_table(active_isa());
  return *table;
}

}  // namespace detail
}  // namespace edgellm::kernels
