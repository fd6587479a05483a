// ISA names, support queries and forcing an ISA (ScopedIsa, and EDGELLM_ISA in a child process).
#include <gtest/gtest.h>

#include <cstdlib>

#include "base/cpu_features.h"
#include "kernels/dispatch.h"
#include "kernels/isa_table.h"

namespace edgellm::kernels {
namespace {

TEST(Dispatch, NamesRoundTrip) {
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kNeon, Isa::kNeonDotprod}) {
    EXPECT_EQ(isa_from_name(isa_name(isa)), isa);
  }
  EXPECT_FALSE(isa_from_name("sse9").has_value());
}

TEST(Dispatch, ScalarAlwaysSupportedAndBestIsSupported) {
  EXPECT_TRUE(isa_supported(Isa::kScalar));
  EXPECT_TRUE(isa_supported(best_isa()));
  const std::vector<Isa> all = supported_isas();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front(), Isa::kScalar);
#if defined(__x86_64__)
  // x86-64 builds always contain the AVX2 kernels; a CPU with AVX2, FMA and F16C must get them.
  const CpuFeatures& f = cpu_features();
  EXPECT_EQ(isa_supported(Isa::kAvx2), f.avx2 && f.fma && f.f16c);
  EXPECT_FALSE(isa_supported(Isa::kNeon));
#endif
#if defined(__aarch64__)
  // NEON is part of ARMv8-A; it is supported exactly when the build contains NEON kernels.
  EXPECT_EQ(isa_supported(Isa::kNeon), detail::neon_table() != nullptr);
  EXPECT_FALSE(isa_supported(Isa::kAvx2));
#endif
}

TEST(Dispatch, ScopedIsaForcesAndRestores) {
  const Isa before = active_isa();
  {
    ScopedIsa scoped(Isa::kScalar);
    EXPECT_EQ(active_isa(), Isa::kScalar);
    {
      ScopedIsa inner(best_isa());
      EXPECT_EQ(active_isa(), best_isa());
    }
    EXPECT_EQ(active_isa(), Isa::kScalar);
  }
  EXPECT_EQ(active_isa(), before);
}

TEST(Dispatch, EnvironmentVariableNarrowsTheChoice) {
  // active_isa() caches EDGELLM_ISA at first use, so check it in a fresh process.
  const char* self = std::getenv("EDGELLM_ISA");
  if (self != nullptr) {
    const auto want = isa_from_name(self);
    if (want && isa_supported(*want)) {
      EXPECT_EQ(active_isa(), *want);
    }
    return;
  }
  // Cross builds run the tests under an emulator (qemu-aarch64), which the child needs too.
#if defined(EDGELLM_TEST_EMULATOR)
  const std::string emulator = std::string(EDGELLM_TEST_EMULATOR) + " ";
#else
  const std::string emulator;
#endif
  const std::string cmd = std::string("EDGELLM_ISA=scalar ") + emulator +
                          ::testing::internal::GetArgvs()[0] +
                          " --gtest_filter=Dispatch.ReportActive > /dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

TEST(Dispatch, ReportActive) {
  const char* self = std::getenv("EDGELLM_ISA");
  if (self != nullptr && std::string(self) == "scalar") {
    EXPECT_EQ(active_isa(), Isa::kScalar);
  }
  std::printf("active ISA: %s\n", isa_name(active_isa()));
}

}  // namespace
}  // namespace edgellm::kernels
