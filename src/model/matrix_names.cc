// Data-pointer to tensor-name lookup for matmul observers (see matrix_names.h).
#include "model/matrix_names.h"

#include <algorithm>

namespace edgellm::model {

MatrixNames::MatrixNames(const gguf::File& file) {
  for (const gguf::TensorInfo& t : file.tensors()) {
    if (t.ne.size() < 2 || t.n_bytes == 0 || t.data == nullptr) continue;
    const int64_t n_mat = t.ne.size() >= 3 ? t.ne[2] : 1;
    ranges_.push_back(Range{t.data, t.data + t.n_bytes, t.name, t.ne[0], n_mat,
                            t.n_bytes / static_cast<uint64_t>(std::max<int64_t>(1, n_mat))});
  }
  std::sort(ranges_.begin(), ranges_.end(),
            [](const Range& a, const Range& b) { return a.begin < b.begin; });
}

MatrixName MatrixNames::find(const kernels::Matrix& w) const {
  const auto* p = static_cast<const uint8_t*>(w.data);
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), p,
                             [](const uint8_t* q, const Range& r) { return q < r.begin; });
  if (it == ranges_.begin()) return {};
  --it;
  if (p >= it->end) return {};
  MatrixName m;
  m.name = &it->name;
  m.n_per_row = it->n_per_row;
  m.n_matrices = it->n_matrices;
  m.matrix = it->matrix_bytes > 0 ? static_cast<int64_t>((p - it->begin) / it->matrix_bytes) : 0;
  return m;
}

}  // namespace edgellm::model
