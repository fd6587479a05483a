// The x86 kernels for one instruction-set level. AVX2 + FMA + F16C: the baseline x86 fast path.
// The kernel bodies are shared by every x86 level (x86_*.inc); this file only names the level.
// Everything it defines has internal linkage except the table getter (see isa_table.h).
#include "kernels/isa_table.h"

#define EDGELLM_X86_TABLE_FN avx2_table
#define EDGELLM_X86_ISA Isa::kAvx2

#include "kernels/x86_quant.inc"
#include "kernels/x86_gemm.inc"
#include "kernels/x86_gemm_kquant.inc"
#include "kernels/x86_gemm_repack.inc"
#include "kernels/x86_ops.inc"
