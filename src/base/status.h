// Errors as values: Status for operations that return nothing, Result<T> for those that return a
// value. Nothing in edgellm aborts or throws on bad input; every failure reaches the caller with a
// message that names the file, key or tensor at fault.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace edgellm {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,  // the caller passed something unusable (bad option, bad JSON, ...)
  kNotFound,         // a file, key, tensor or token that should exist does not
  kIoError,          // the operating system refused (open, mmap, write)
  kCorruptFile,      // a file's contents contradict its format or its own size
  kUnsupported,      // valid input that this build cannot handle (unknown architecture, type)
  kOutOfRange,       // a value is outside what fits (prompt longer than the context, ...)
  kOutOfMemory,      // an allocation or a memory limit would be exceeded
  kCancelled,        // the caller asked to stop
  kInternal,         // a bug in edgellm
};

const char* error_code_name(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Adds context in front of the message: "loading model.gguf: " + message.
  Status with_context(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + message_);
  }

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// printf-style formatting into a std::string (g++ 12 has no std::format).
std::string strfmt(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Builds an error Status with a printf-style message.
Status make_error(ErrorCode code, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}                     // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {               // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "Result constructed from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace edgellm

#define EDGELLM_CONCAT_INNER(a, b) a##b
#define EDGELLM_CONCAT(a, b) EDGELLM_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function if `expr` (a Status) is an error.
#define EDGELLM_RETURN_IF_ERROR(expr)              \
  do {                                             \
    ::edgellm::Status _edgellm_st = (expr);        \
    if (!_edgellm_st.ok()) return _edgellm_st;     \
  } while (0)

// `lhs` = value of `rexpr` (a Result<T>), or returns its Status from the enclosing function.
#define EDGELLM_ASSIGN_OR_RETURN(lhs, rexpr) \
  EDGELLM_ASSIGN_OR_RETURN_IMPL(EDGELLM_CONCAT(_edgellm_res_, __LINE__), lhs, rexpr)
#define EDGELLM_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                  \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()
