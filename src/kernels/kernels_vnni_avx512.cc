// The x86 kernels for one instruction-set level. AVX-512 with VNNI: as kernels_avx512.cc, with vpdpbusd for the byte dot products, plus the interleaved prompt products of x86_gemm_vnni.inc.
// The kernel bodies are shared by every x86 level (x86_*.inc); this file only names the level.
// Everything it defines has internal linkage except the table getter (see isa_table.h).
#include "kernels/isa_table.h"

#define EDGELLM_X86_TABLE_FN avx512_vnni_table
#define EDGELLM_X86_ISA Isa::kAvx512
#define EDGELLM_X86_VNNI512 1

#include "kernels/x86_quant.inc"
#include "kernels/x86_gemm.inc"
#include "kernels/x86_gemm_kquant.inc"
#include "kernels/x86_gemm_vnni.inc"
#include "kernels/x86_ops.inc"
