#pragma once
// Private to net/: the Beast stream behind WebSocket. Included only by
// net/*.cpp so Beast's headers stay out of the rest of Berth.
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "net/websocket.hpp"

namespace berth::net {

struct WebSocket::Impl {
  explicit Impl(boost::beast::tcp_stream s) : ws(std::move(s)) {}
  void configure(std::size_t max_message_bytes) {
    namespace websocket = boost::beast::websocket;
    // Engine.IO sends its own heartbeats; Beast's idle pings stay off.
    websocket::stream_base::timeout t{std::chrono::seconds(30), websocket::stream_base::none(), false};
    ws.set_option(t);
    ws.read_message_max(max_message_bytes);
    websocket::permessage_deflate pmd;
    pmd.server_enable = false;
    ws.set_option(pmd);
    ws.auto_fragment(false);
  }
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws;
  boost::beast::flat_buffer buffer;
};

}  // namespace berth::net
