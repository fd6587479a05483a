// The AArch64 NEON kernels of the ARMv8-A baseline (Advanced SIMD is mandatory on AArch64): int8
// block dot products through vmull_s8 + vpadalq_s16. The kernel bodies are shared with the
// dotprod build (neon_gemm.inc, neon_ops.inc); this file only names the level. Everything it
// defines has internal linkage except the table getter (see isa_table.h).
#define EDGELLM_NEON_TABLE_FN neon_table
#define EDGELLM_NEON_ISA Isa::kNeon
#define EDGELLM_NEON_DOTPROD 0

#include "kernels/neon_gemm.inc"
#include "kernels/neon_ops.inc"
