#pragma once
// Who is calling: the verified identity behind a request or a socket.
#include <cstdint>
#include <string>

namespace berth::auth {

struct Principal {
  std::string user_id;     // the token's `sub`
  std::string email;       // may be empty
  std::int64_t expires_at = 0;  // seconds since the epoch: sockets are cut then
};

}  // namespace berth::auth
