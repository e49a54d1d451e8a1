#include "auth/password_hasher.hpp"

#include <sodium.h>

#include <stdexcept>

namespace berth::auth {
namespace {

std::string hash_now(const std::string& password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return {};  // out of memory
  return out;
}

}  // namespace

PasswordHasher::PasswordHasher(std::size_t queue_limit, std::size_t threads)
    : queue_limit_(queue_limit), pool_(threads) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  dummy_hash_ = hash_now("berth-dummy-password-for-timing");
}

bool PasswordHasher::try_enqueue() {
  auto n = pending_.load();
  do {
    if (n >= queue_limit_) return false;
  } while (!pending_.compare_exchange_weak(n, n + 1));
  return true;
}

boost::asio::awaitable<Result<std::string>> PasswordHasher::hash(std::string password) {
  if (!try_enqueue()) co_return make_error("rate_limited", "too many sign-ins at once; retry in a second");
  std::string h = co_await pool_.run([&] { return hash_now(password); });
  pending_--;
  if (h.empty()) co_return make_error("internal", "password hashing ran out of memory");
  co_return h;
}

boost::asio::awaitable<Result<bool>> PasswordHasher::verify(std::optional<std::string> stored, std::string password) {
  if (!try_enqueue()) co_return make_error("rate_limited", "too many sign-ins at once; retry in a second");
  bool real = stored.has_value() && !stored->empty();
  const std::string& h = real ? *stored : dummy_hash_;
  bool ok = co_await pool_.run(
      [&] { return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0; });
  pending_--;
  co_return real && ok;
}

}  // namespace berth::auth
