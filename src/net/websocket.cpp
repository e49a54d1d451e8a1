#include "net/websocket.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/websocket_impl.hpp"

namespace berth::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

WebSocket::WebSocket(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WebSocket::~WebSocket() = default;

asio::awaitable<Result<WebSocketMessage>> WebSocket::read() {
  impl_->buffer.clear();
  auto [ec, n] = co_await impl_->ws.async_read(impl_->buffer, use_nothrow);
  if (ec == beast::websocket::error::message_too_big) co_return make_error("too_large", "message too large");
  if (ec) co_return make_error("closed", ec.message());
  WebSocketMessage m;
  m.binary = impl_->ws.got_binary();
  m.data = beast::buffers_to_string(impl_->buffer.data());
  co_return m;
}

asio::awaitable<Status> WebSocket::write(std::string_view data, bool binary) {
  impl_->ws.binary(binary);
  auto [ec, n] = co_await impl_->ws.async_write(asio::buffer(data.data(), data.size()), use_nothrow);
  if (ec) co_return make_error("closed", ec.message());
  co_return Ok{};
}

asio::awaitable<void> WebSocket::close() {
  auto [ec] = co_await impl_->ws.async_close(beast::websocket::close_code::normal, use_nothrow);
  (void)ec;
}

void WebSocket::abort() {
  beast::error_code ignored;
  beast::get_lowest_layer(impl_->ws).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(impl_->ws).socket().close(ignored);
}

asio::any_io_executor WebSocket::executor() { return impl_->ws.get_executor(); }

}  // namespace berth::net
