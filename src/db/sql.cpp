#include "db/sql.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>

namespace berth::db {

const std::optional<std::string>& Row::at(std::size_t index) const {
  if (index >= values_.size()) throw std::out_of_range("Row::at: column index " + std::to_string(index));
  return values_[index];
}

const std::optional<std::string>& Row::at(std::string_view column) const {
  for (std::size_t i = 0; i < columns_->size(); ++i) {
    if ((*columns_)[i] == column) return values_[i];
  }
  throw std::out_of_range("Row::at: no column " + std::string(column));
}

std::int64_t Row::int64(std::string_view column) const {
  const auto& v = at(column);
  if (!v) return 0;
  std::int64_t n = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc{} || ptr != v->data() + v->size()) {
    throw std::invalid_argument("Row::int64: column " + std::string(column) + " is not an integer: " + *v);
  }
  return n;
}

std::string foreign_key_error_code(std::string_view sql) {
  auto start = std::find_if(sql.begin(), sql.end(), [](unsigned char ch) { return !std::isspace(ch); });
  std::string verb;
  for (auto it = start; it != sql.end() && std::isalpha(static_cast<unsigned char>(*it)); ++it) {
    verb += static_cast<char>(std::toupper(static_cast<unsigned char>(*it)));
  }
  return verb == "DELETE" ? "conflict" : "not_found";
}

SqlPool::SqlPool(std::vector<std::unique_ptr<SqlConnection>> connections)
    : idle_(std::move(connections)), size_(idle_.size()) {
  if (idle_.empty()) throw std::invalid_argument("SqlPool needs at least one connection");
  dialect_ = idle_.front()->dialect();
}

std::unique_ptr<SqlConnection> SqlPool::acquire() {
  std::unique_lock lock(mutex_);
  available_.wait(lock, [&] { return !idle_.empty(); });
  auto connection = std::move(idle_.back());
  idle_.pop_back();
  return connection;
}

void SqlPool::release(std::unique_ptr<SqlConnection> connection) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(connection));
  }
  available_.notify_one();
}

}  // namespace berth::db
