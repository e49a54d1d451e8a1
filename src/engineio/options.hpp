#pragma once
// Settings of one Engine.IO endpoint. The defaults are the reference
// server's, except the send-queue bound, which the reference does not have.
#include <chrono>
#include <cstddef>
#include <string>

namespace berth::engineio {

struct Options {
  std::string path = "/engine.io/";
  std::chrono::milliseconds ping_interval{25'000};
  std::chrono::milliseconds ping_timeout{20'000};
  std::chrono::milliseconds upgrade_timeout{10'000};  // 2probe .. 5 must finish within this
  std::size_t max_payload = 1'000'000;                // maxHttpBufferSize: one POST body or one WebSocket message
  bool allow_polling = true;
  bool allow_websocket = true;
  bool allow_upgrades = true;
  // Bytes queued for one client before it counts as not reading and is
  // disconnected: this bounds the memory a stalled client can hold.
  std::size_t max_queued_bytes = 8 * 1024 * 1024;
  // Sessions the upper layer has not yet called established() on (for
  // Socket.IO: joined no namespace, so not authenticated): past this many,
  // new handshakes get 503. Each one costs memory before anyone is known,
  // and the connect timeout alone would let a flood hold them. 0: no bound.
  std::size_t max_unestablished = 0;
  // Access-Control-* headers on polling responses: "" off, "*", or a
  // comma-separated origin list. Leave empty when net::HttpServer already
  // adds CORS headers, or they would be sent twice.
  std::string cors_origin;
};

}  // namespace berth::engineio
