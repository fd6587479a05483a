// Internal, for the x86 kernel translation units only: where things live in the activation rows. Activations
// hold exactly the values of the GGUF formats (Q8_0, Q8_1, Q8_K, F16- or BF16-rounded floats);
// only the arrangement differs, so that the kernels load whole vectors:
//
//   Q8X (32-element blocks, nb = n / 32):  qs[nb][32] int8, then (signed weights only) |qs|,
//       then da[nb] (the F16 scale as float), then c[nb] (a per-lane correction, see below).
//   Q8KX (256-element super-blocks, ns = n / 256): qs[ns][256] int8, (IQ4_XS only) |qs|,
//       then bsums[ns][16] int16, then d[ns] float.
//   F32R: n floats (F16- or BF16-rounded for those weight types).
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgellm::kernels::x86 {

struct Q8XLayout {
  int64_t nb;
  bool abs;
  size_t qa, da, c, bytes;  // byte offsets and total
};

static inline Q8XLayout q8x_layout(int64_t n, bool with_abs) {
  Q8XLayout l;
  l.nb = n / 32;
  l.abs = with_abs;
  l.qa = static_cast<size_t>(l.nb) * 32;
  l.da = l.qa * (with_abs ? 2 : 1);
  l.c = l.da + static_cast<size_t>(l.nb) * 4;
  l.bytes = l.c + static_cast<size_t>(l.nb) * 4;
  return l;
}

struct Q8KXLayout {
  int64_t ns;
  bool abs;
  size_t qa, bsums, d, bytes;
};

static inline Q8KXLayout q8kx_layout(int64_t n, bool with_abs) {
  Q8KXLayout l;
  l.ns = n / 256;
  l.abs = with_abs;
  l.qa = static_cast<size_t>(l.ns) * 256;
  l.bsums = l.qa * (with_abs ? 2 : 1);
  l.d = l.bsums + static_cast<size_t>(l.ns) * 32;
  l.bytes = l.d + static_cast<size_t>(l.ns) * 4;
  return l;
}

}  // namespace edgellm::kernels::x86
