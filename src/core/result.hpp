#pragma once
// Recoverable failures are values (DESIGN §10). An Error carries a stable
// `code` from the catalogue in docs/API.md, so it can cross the wire as is,
// and a human message that says what to do next.
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace berth {

struct Error {
  std::string code;     // stable, machine-readable: "not_found", "invalid_path", ...
  std::string message;  // for humans
};

inline Error make_error(std::string code, std::string message) {
  return Error{std::move(code), std::move(message)};
}

struct Ok {};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { check(); return std::get<0>(v_); }
  const T& value() const& { check(); return std::get<0>(v_); }
  T&& value() && { check(); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    if (ok()) throw std::logic_error("Result::error() on a value");
    return std::get<1>(v_);
  }

 private:
  void check() const {
    if (!ok()) throw std::logic_error("Result::value() on error: " + std::get<1>(v_).code + ": " + std::get<1>(v_).message);
  }
  std::variant<T, Error> v_;
};

using Status = Result<Ok>;

}  // namespace berth
