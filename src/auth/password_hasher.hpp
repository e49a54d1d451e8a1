#pragma once
// argon2id password hashing (libsodium, INTERACTIVE cost: ~64 MiB and tens of
// milliseconds per hash). Hashes run on a small dedicated pool, one or two
// at a time; when `queue_limit` are already waiting the call answers
// rate_limited at once instead of letting a login flood eat the memory.
// Verifying against an unknown account uses a dummy hash, so response time
// does not tell whether an email is registered.
#include <atomic>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "core/worker_pool.hpp"

namespace berth::auth {

class PasswordHasher {
 public:
  PasswordHasher(std::size_t queue_limit, std::size_t threads = 2);

  boost::asio::awaitable<Result<std::string>> hash(std::string password);
  // `stored` empty: verify against the dummy hash and answer false.
  boost::asio::awaitable<Result<bool>> verify(std::optional<std::string> stored, std::string password);

 private:
  bool try_enqueue();
  std::size_t queue_limit_;
  std::atomic<std::size_t> pending_{0};
  std::string dummy_hash_;
  WorkerPool pool_;
};

}  // namespace berth::auth
