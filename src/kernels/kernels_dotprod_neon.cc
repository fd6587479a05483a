// The AArch64 NEON kernels for ARMv8.2-A with the dot product extension (compiled with
// -march=armv8.2-a+dotprod+fp16, see CMakeLists.txt): int8 block dot products through SDOT
// (vdotq_s32). The kernel bodies are shared with the baseline build (neon_gemm.inc,
// neon_ops.inc). The dispatcher only selects this table on CPUs with asimddp and asimdhp.
// Everything it defines has internal linkage except the table getter (see isa_table.h).
#define EDGELLM_NEON_TABLE_FN neon_dotprod_table
#define EDGELLM_NEON_ISA Isa::kNeonDotprod
#define EDGELLM_NEON_DOTPROD 1

#include "kernels/neon_gemm.inc"
#include "kernels/neon_ops.inc"
