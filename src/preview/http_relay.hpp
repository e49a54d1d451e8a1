#pragma once
// The byte-moving half of the preview proxy (preview_proxy.cpp): one HTTP
// message's body from one stream to another through a fixed buffer, and
// the two-way tunnel an upgraded connection (a WebSocket) becomes. Nothing
// is read faster than it is written, so a slow reader on either side only
// slows its own connection: Berth holds at most a buffer per direction.
// Beast headers: include from one .cpp only.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <vector>

namespace berth::preview {

namespace relay_detail {
inline constexpr auto use_nothrow = boost::asio::as_tuple(boost::asio::use_awaitable);
}

// Writes the header of the message `parser` has read (its header only),
// then its body as it arrives; each read and write must finish within
// `idle`. `chunk` is the buffer the body passes through.
template <bool isRequest>
boost::asio::awaitable<boost::beast::error_code> relay_message(
    boost::beast::tcp_stream& from, boost::beast::flat_buffer& from_buffer,
    boost::beast::http::parser<isRequest, boost::beast::http::buffer_body>& parser, boost::beast::tcp_stream& to,
    std::vector<char>& chunk, std::chrono::seconds idle) {
  namespace http = boost::beast::http;
  using relay_detail::use_nothrow;
  http::serializer<isRequest, http::buffer_body> serializer{parser.get()};
  // The header goes out on its own only when the body is not here yet (a
  // stream that starts later, as server-sent events do); otherwise with the
  // first piece of the body, in one write.
  if (!parser.is_done() && from_buffer.size() == 0) {
    to.expires_after(idle);
    auto [hec, hn] = co_await http::async_write_header(to, serializer, use_nothrow);
    if (hec) co_return hec;
  }
  do {
    auto& body = parser.get().body();
    if (!parser.is_done()) {
      body.data = chunk.data();
      body.size = chunk.size();
      from.expires_after(idle);
      // read_some, not read: a body that trickles (server-sent events, a
      // log) is passed on as it comes, not when a whole chunk is full.
      auto [rec, rn] = co_await http::async_read_some(from, from_buffer, parser, use_nothrow);
      if (rec == http::error::need_buffer) rec = {};
      if (rec) co_return rec;
      body.size = chunk.size() - body.size;
      body.data = chunk.data();
      body.more = !parser.is_done();
    } else {  // all read: the last write ends the message (a header alone, or the final chunk)
      body.data = nullptr;
      body.size = 0;
      body.more = false;
    }
    to.expires_after(idle);
    auto [wec, wn] = co_await http::async_write(to, serializer, use_nothrow);
    if (wec == http::error::need_buffer) wec = {};
    if (wec) co_return wec;
  } while (!parser.is_done() && !serializer.is_done());
  co_return boost::beast::error_code{};
}

namespace relay_detail {

inline boost::asio::awaitable<void> copy(boost::beast::tcp_stream& from, boost::beast::flat_buffer& pending,
                                         boost::beast::tcp_stream& to, std::chrono::steady_clock::time_point& active) {
  if (pending.size() > 0) {  // what arrived with the upgrade's header
    auto [ec, n] = co_await boost::asio::async_write(to, pending.data(), use_nothrow);
    if (ec) co_return;
    pending.consume(n);
  }
  std::vector<char> chunk(16 << 10);
  for (;;) {
    auto [rec, rn] = co_await from.async_read_some(boost::asio::buffer(chunk), use_nothrow);
    if (rec) co_return;
    active = std::chrono::steady_clock::now();
    auto [wec, wn] = co_await boost::asio::async_write(to, boost::asio::buffer(chunk.data(), rn), use_nothrow);
    if (wec) co_return;
  }
}

// Returns once neither side has sent a byte for `idle`.
inline boost::asio::awaitable<void> watch_idle(std::chrono::steady_clock::time_point& active,
                                               std::chrono::seconds idle) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  for (;;) {
    auto due = active + idle;
    if (std::chrono::steady_clock::now() >= due) co_return;
    timer.expires_at(due);
    auto [ec] = co_await timer.async_wait(use_nothrow);
    if (ec) co_return;
  }
}

}  // namespace relay_detail

// Both directions at once until either side closes or both are quiet for
// `idle`; the buffers hold bytes already read past the upgrade's headers.
inline boost::asio::awaitable<void> tunnel(boost::beast::tcp_stream& client, boost::beast::flat_buffer& from_client,
                                           boost::beast::tcp_stream& upstream,
                                           boost::beast::flat_buffer& from_upstream, std::chrono::seconds idle) {
  using namespace boost::asio::experimental::awaitable_operators;
  client.expires_never();
  upstream.expires_never();
  auto active = std::chrono::steady_clock::now();
  co_await (relay_detail::copy(client, from_client, upstream, active) ||
            relay_detail::copy(upstream, from_upstream, client, active) || relay_detail::watch_idle(active, idle));
}

}  // namespace berth::preview
