// Importance matrix accumulation and its file formats (see imatrix.h).
#include "quant/imatrix.h"

#include <cinttypes>
#include <cstring>

#include "base/mapped_file.h"
#include "gguf/file.h"
#include "gguf/writer.h"

namespace edgellm::quant {
namespace {

constexpr const char* kSumSuffix = ".in_sum2";
constexpr const char* kCountSuffix = ".counts";

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

Status ImportanceMatrix::add(const std::string& name, const float* x, int64_t n_rows,
                             int64_t n_per_row, int64_t mat, int64_t n_mat) {
  if (n_per_row <= 0 || n_mat <= 0 || mat < 0 || mat >= n_mat || n_rows < 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "imatrix %s: bad shape (%" PRId64 " columns, matrix %" PRId64 " of %" PRId64 ")",
                      name.c_str(), n_per_row, mat, n_mat);
  }
  auto [it, inserted] = entries_.try_emplace(name);
  Entry& e = it->second;
  if (inserted) {
    e.n_per_row = n_per_row;
    e.n_mat = n_mat;
    e.sum2.assign(static_cast<size_t>(n_per_row * n_mat), 0.0);
    e.counts.assign(static_cast<size_t>(n_mat), 0.0);
  } else if (e.n_per_row != n_per_row || e.n_mat != n_mat) {
    return make_error(ErrorCode::kInvalidArgument,
                      "imatrix %s: %" PRId64 " x %" PRId64 " activations, earlier %" PRId64 " x %" PRId64,
                      name.c_str(), n_per_row, n_mat, e.n_per_row, e.n_mat);
  }
  double* sum = e.sum2.data() + mat * n_per_row;
  for (int64_t r = 0; r < n_rows; ++r) {
    const float* row = x + r * n_per_row;
    for (int64_t j = 0; j < n_per_row; ++j) sum[j] += static_cast<double>(row[j]) * row[j];
  }
  e.counts[static_cast<size_t>(mat)] += static_cast<double>(n_rows);
  return Status::Ok();
}

Status ImportanceMatrix::merge(const ImportanceMatrix& other) {
  for (const auto& [name, oe] : other.entries_) {
    auto [it, inserted] = entries_.try_emplace(name, oe);
    if (inserted) continue;
    Entry& e = it->second;
    if (e.n_per_row != oe.n_per_row || e.n_mat != oe.n_mat) {
      return make_error(ErrorCode::kInvalidArgument, "imatrix %s: shapes differ, cannot merge",
                        name.c_str());
    }
    for (size_t i = 0; i < e.sum2.size(); ++i) e.sum2[i] += oe.sum2[i];
    for (size_t i = 0; i < e.counts.size(); ++i) e.counts[i] += oe.counts[i];
  }
  for (const std::string& d : other.datasets) datasets.push_back(d);
  chunk_count += other.chunk_count;
  if (chunk_size == 0) chunk_size = other.chunk_size;
  return Status::Ok();
}

std::vector<float> ImportanceMatrix::column_weights(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) return {};
  const Entry& e = it->second;
  std::vector<float> w(e.sum2.size(), 1.0f);
  for (int64_t m = 0; m < e.n_mat; ++m) {
    const double count = e.counts[static_cast<size_t>(m)];
    if (count <= 0.0) continue;
    for (int64_t j = 0; j < e.n_per_row; ++j) {
      const size_t i = static_cast<size_t>(m * e.n_per_row + j);
      w[i] = static_cast<float>(e.sum2[i] / count);
    }
  }
  return w;
}

Status ImportanceMatrix::save(const std::string& path) const {
  gguf::Writer w;
  w.set("general.type", gguf::Value::string("imatrix"));
  w.set("imatrix.datasets", gguf::Value::string_array(datasets));
  w.set("imatrix.chunk_count", gguf::Value::u32(static_cast<uint32_t>(chunk_count)));
  w.set("imatrix.chunk_size", gguf::Value::u32(static_cast<uint32_t>(chunk_size)));
  for (const auto& [name, e] : entries_) {
    std::vector<uint8_t> sums(e.sum2.size() * sizeof(float));
    for (size_t i = 0; i < e.sum2.size(); ++i) {
      const float v = static_cast<float>(e.sum2[i]);
      std::memcpy(sums.data() + i * sizeof(float), &v, sizeof(float));
    }
    std::vector<uint8_t> counts(e.counts.size() * sizeof(float));
    for (size_t i = 0; i < e.counts.size(); ++i) {
      const float v = static_cast<float>(e.counts[i]);
      std::memcpy(counts.data() + i * sizeof(float), &v, sizeof(float));
    }
    EDGELLM_RETURN_IF_ERROR(
        w.add_tensor(name + kSumSuffix, TensorType::F32, {e.n_per_row, e.n_mat}, std::move(sums)));
    EDGELLM_RETURN_IF_ERROR(
        w.add_tensor(name + kCountSuffix, TensorType::F32, {1, e.n_mat}, std::move(counts)));
  }
  return w.write(path);
}

Result<ImportanceMatrix> ImportanceMatrix::load(const std::string& path) {
  auto bytes = MappedFile::open(path);
  if (!bytes.ok()) return bytes.status();
  if (bytes->size() < 4 || std::memcmp(bytes->data(), "GGUF", 4) != 0) return load_legacy(path);

  EDGELLM_ASSIGN_OR_RETURN(gguf::File f, gguf::File::open(path));
  EDGELLM_ASSIGN_OR_RETURN(std::string type, f.get_string_or("general.type", ""));
  if (type != "imatrix") {
    return make_error(ErrorCode::kInvalidArgument,
                      "%s: not an importance matrix (general.type is '%s', expected 'imatrix')",
                      path.c_str(), type.c_str());
  }
  ImportanceMatrix m;
  if (const gguf::Value* ds = f.find("imatrix.datasets"); ds && ds->is_array()) {
    m.datasets = ds->strings();
  }
  EDGELLM_ASSIGN_OR_RETURN(m.chunk_count, f.get_int_or("imatrix.chunk_count", 0));
  EDGELLM_ASSIGN_OR_RETURN(m.chunk_size, f.get_int_or("imatrix.chunk_size", 0));
  const std::string sum_suffix = kSumSuffix;
  for (const gguf::TensorInfo& t : f.tensors()) {
    if (!ends_with(t.name, sum_suffix)) continue;
    const std::string name = t.name.substr(0, t.name.size() - sum_suffix.size());
    const gguf::TensorInfo* c = f.find_tensor(name + kCountSuffix);
    if (c == nullptr) {
      return make_error(ErrorCode::kCorruptFile, "%s: tensor %s%s is missing", path.c_str(),
                        name.c_str(), kCountSuffix);
    }
    if (t.type != TensorType::F32 || c->type != TensorType::F32 || t.ne.size() < 1 ||
        t.ne.size() > 2 || c->n_elements() != (t.ne.size() == 2 ? t.ne[1] : 1)) {
      return make_error(ErrorCode::kCorruptFile,
                        "%s: %s: expected F32 sums [n, n_mat] and F32 counts [1, n_mat]",
                        path.c_str(), name.c_str());
    }
    Entry e;
    e.n_per_row = t.ne[0];
    e.n_mat = t.ne.size() == 2 ? t.ne[1] : 1;
    const float* sums = reinterpret_cast<const float*>(t.data);
    const float* counts = reinterpret_cast<const float*>(c->data);
    e.sum2.resize(static_cast<size_t>(t.n_elements()));
    for (size_t i = 0; i < e.sum2.size(); ++i) {
      float v;
      std::memcpy(&v, sums + i, sizeof(v));
      e.sum2[i] = v;
    }
    e.counts.resize(static_cast<size_t>(e.n_mat));
    for (size_t i = 0; i < e.counts.size(); ++i) {
      float v;
      std::memcpy(&v, counts + i, sizeof(v));
      e.counts[i] = v;
    }
    m.entries_.emplace(name, std::move(e));
  }
  if (m.entries_.empty()) {
    return make_error(ErrorCode::kCorruptFile, "%s: importance matrix has no entries",
                      path.c_str());
  }
  return m;
}

// The older layout: int32 n_entries, then per entry int32 name length, the name, int32 ncall,
// int32 nval and nval floats (mean squares times ncall); optionally int32 chunk count and a
// length-prefixed dataset name.
Result<ImportanceMatrix> ImportanceMatrix::load_legacy(const std::string& path) {
  EDGELLM_ASSIGN_OR_RETURN(std::string data, read_file(path));
  size_t pos = 0;
  auto truncated = [&](const char* what) {
    return make_error(ErrorCode::kCorruptFile,
                      "%s: not an importance matrix (neither GGUF nor the legacy layout): %s at "
                      "offset %zu runs past the end",
                      path.c_str(), what, pos);
  };
  auto read_i32 = [&](int32_t* v) {
    if (data.size() - pos < 4) return false;
    std::memcpy(v, data.data() + pos, 4);
    pos += 4;
    return true;
  };
  int32_t n_entries;
  if (!read_i32(&n_entries) || n_entries <= 0) return truncated("entry count");
  ImportanceMatrix m;
  for (int32_t k = 0; k < n_entries; ++k) {
    int32_t len, ncall, nval;
    if (!read_i32(&len) || len <= 0 || static_cast<size_t>(len) > data.size() - pos) {
      return truncated("entry name");
    }
    std::string name = data.substr(pos, static_cast<size_t>(len));
    pos += static_cast<size_t>(len);
    if (!read_i32(&ncall) || !read_i32(&nval) || nval <= 0) return truncated("entry header");
    if (static_cast<size_t>(nval) > (data.size() - pos) / 4) return truncated("entry values");
    Entry e;
    e.n_per_row = nval;
    e.n_mat = 1;
    e.sum2.resize(static_cast<size_t>(nval));
    for (int32_t j = 0; j < nval; ++j) {
      float v;
      std::memcpy(&v, data.data() + pos + 4 * static_cast<size_t>(j), 4);
      e.sum2[static_cast<size_t>(j)] = v;
    }
    pos += 4 * static_cast<size_t>(nval);
    // Stored values are mean * ncall: keep them as sums over ncall "rows".
    e.counts.assign(1, ncall > 0 ? static_cast<double>(ncall) : 0.0);
    m.entries_.emplace(std::move(name), std::move(e));
  }
  int32_t chunks, ds_len;
  if (read_i32(&chunks)) {
    m.chunk_count = chunks;
    if (read_i32(&ds_len) && ds_len > 0 && static_cast<size_t>(ds_len) <= data.size() - pos) {
      m.datasets.push_back(data.substr(pos, static_cast<size_t>(ds_len)));
    }
  }
  return m;
}

}  // namespace edgellm::quant
