// libFuzzer target for the GGUF reader.
//
// Each input is parsed as a GGUF file. A rejected input must come back as an error naming the
// file; an accepted one has every metadata value read through each typed accessor, every tensor's
// data touched at both ends (AddressSanitizer sees any byte outside the input), and is then
// written back with the Writer and parsed again, which must give the same metadata and tensors,
// and write out to the same bytes a second time.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "gguf/file.h"
#include "gguf/writer.h"

namespace {

using edgellm::gguf::File;
using edgellm::gguf::TensorInfo;
using edgellm::gguf::Value;
using edgellm::gguf::Writer;

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_gguf: %s: %s\n", what, detail.c_str());
  std::abort();
}

// Reads a value every way a consumer might, so conversions run on hostile values.
uint64_t touch_value(const Value& v) {
  uint64_t h = v.to_display_string().size();
  if (v.is_number()) {
    h +=
        static_cast<uint64_t>(v.as_int()) + v.as_uint() + static_cast<uint64_t>(v.as_double() != 0);
  }
  if (v.is_array()) {
    h += v.array_size();
    for (float x : v.to_floats()) h += x > 0;
    for (int64_t x : v.to_ints()) h += static_cast<uint64_t>(x);
    for (const std::string& s : v.strings()) h += s.size();
    for (const Value& e : v.elements()) h += touch_value(e);
  }
  return h;
}

bool same_value(const Value& a, const Value& b) {
  if (a.type() != b.type()) return false;
  std::string sa, sb;
  a.serialize(sa);
  b.serialize(sb);
  return sa == sb;
}

void check_same(const File& a, const File& b) {
  if (a.metadata().size() != b.metadata().size()) fail("round trip", "metadata count differs");
  for (size_t i = 0; i < a.metadata().size(); ++i) {
    const auto& [ka, va] = a.metadata()[i];
    const auto& [kb, vb] = b.metadata()[i];
    if (ka != kb || !same_value(va, vb)) fail("round trip", "metadata key '" + ka + "' differs");
  }
  if (a.tensors().size() != b.tensors().size()) fail("round trip", "tensor count differs");
  for (size_t i = 0; i < a.tensors().size(); ++i) {
    const TensorInfo& ta = a.tensors()[i];
    const TensorInfo& tb = b.tensors()[i];
    if (ta.name != tb.name || ta.ne != tb.ne || ta.type != tb.type || ta.n_bytes != tb.n_bytes ||
        (ta.n_bytes > 0 && std::memcmp(ta.data, tb.data, ta.n_bytes) != 0)) {
      fail("round trip", "tensor '" + ta.name + "' differs");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // EDGELLM_FUZZ_VERBOSE=1 prints each input's outcome, for triage of a corpus
  // (./fuzz_gguf FILE...).
  static const bool verbose = std::getenv("EDGELLM_FUZZ_VERBOSE") != nullptr;
  auto f = File::parse(data, size, "fuzz-input");
  if (verbose) std::fprintf(stderr, "outcome: %s\n", f.ok() ? "ok" : f.status().message().c_str());
  if (!f.ok()) {
    const std::string& msg = f.status().message();
    if (msg.rfind("fuzz-input: ", 0) != 0) fail("error does not name the file", msg);
    return 0;
  }

  volatile uint64_t sink = 0;
  for (const auto& [key, value] : f->metadata()) {
    sink = sink + touch_value(value);
    // Typed reads on every key: each either succeeds or reports an error, whatever the type.
    sink = sink + f->get_int(key).ok() + f->get_float(key).ok() + f->get_bool(key).ok() +
           f->get_string(key).ok() + f->get_array(key).ok();
  }
  for (const TensorInfo& t : f->tensors()) {
    sink = sink + static_cast<uint64_t>(t.n_elements()) + static_cast<uint64_t>(t.n_rows()) +
           t.shape_string().size();
    if (f->find_tensor(t.name) == nullptr) fail("tensor lookup", t.name);
    if (t.n_bytes > 0) sink = sink + t.data[0] + t.data[t.n_bytes - 1];
  }
  if (f->tensor_data_bytes() > size) fail("tensor bytes exceed the input", std::to_string(size));

  // Everything the reader accepts, the writer must write and the reader read back unchanged.
  const Writer w = Writer::copy_of(*f);
  auto bytes = w.to_bytes();
  if (!bytes.ok()) fail("writer refused a parsed file", bytes.status().message());
  auto g = File::parse(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size(), "rewritten");
  if (!g.ok()) fail("reader refused the writer's output", g.status().message());
  check_same(*f, *g);
  auto again = Writer::copy_of(*g).to_bytes();
  if (!again.ok() || *again != *bytes) fail("round trip", "second write differs from the first");
  return 0;
}
