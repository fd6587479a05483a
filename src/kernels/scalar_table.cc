// Assembles the scalar reference table from the scalar kernels of each file.
#include <cstring>

#include "kernels/scalar.h"

namespace edgellm::kernels::detail {

const IsaTable& scalar_table() {
  static const IsaTable table = [] {
    IsaTable t;
    std::memset(&t, 0, sizeof(t));
    t.isa = Isa::kScalar;
    scalar::fill_to_float(t);
    scalar::fill_matmul(t);
    scalar::fill_matmul_kquants(t);
    scalar::fill_elementwise(t);
    scalar::fill_attention(t);
    t.quantize_q8_0 = scalar::quantize_q8_0;
    t.quantize_q8_1 = scalar::quantize_q8_1;
    t.quantize_q8_K = scalar::quantize_q8_K;
    t.to_f16 = scalar::to_f16;
    return t;
  }();
  return table;
}

}  // namespace edgellm::kernels::detail
