#pragma once
// Who is calling: the verified identity behind a request or a socket.
#include <cstdint>
#include <string>

namespace berth::auth {

struct Principal {
  std::string user_id;     // the token's `sub`
  std::string email;       // may be empty
  // Seconds since the epoch: the token's exp plus the clock leeway, the
  // last moment the verifier accepts it. Sockets are cut then, so a token
  // accepted just after its exp is not cut the moment its socket connects.
  std::int64_t accepted_until = 0;
};

}  // namespace berth::auth
