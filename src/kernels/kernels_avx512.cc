// The x86 kernels for one instruction-set level. AVX-512 F/BW/VL/DQ: the x86 kernels compiled with EVEX encodings and 32 vector registers.
// The kernel bodies are shared by every x86 level (x86_*.inc); this file only names the level.
// Everything it defines has internal linkage except the table getter (see isa_table.h).
#include "kernels/isa_table.h"

#define EDGELLM_X86_TABLE_FN avx512_base_table
#define EDGELLM_X86_ISA Isa::kAvx512

#include "kernels/x86_quant.inc"
#include "kernels/x86_gemm.inc"
#include "kernels/x86_gemm_kquant.inc"
#include "kernels/x86_gemm_repack.inc"
#include "kernels/x86_ops.inc"
