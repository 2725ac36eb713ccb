#pragma once
// Result<T>: a value or an Error, for boundaries where failure is expected (parsing,
// validation, I/O). std::expected arrives with C++23; this is the small subset we use.
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace argus {

// A failure with a stable machine-readable code (e.g. "VALIDATION_ERROR") and a message
// for people. `details` maps a field name to what is wrong with it.
struct Error {
  std::string code;
  std::string message;
  std::map<std::string, std::vector<std::string>> details;

  static Error make(std::string code, std::string message) {
    return Error{std::move(code), std::move(message), {}};
  }
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}             // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}         // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool failed_ = false;
};

using Status = Result<void>;

}  // namespace argus
