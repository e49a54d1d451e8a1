#include "net/websocket.hpp"

#include <array>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstring>

#include "net/websocket_impl.hpp"

namespace berth::net {

namespace asio = boost::asio;
using error_code = boost::system::error_code;

namespace {

namespace close_code = websocket_close;
using Kind = WebSocketFrame::Kind;

void append_control(std::string& out, WebSocketOpcode opcode, std::string_view payload) {
  unsigned char h[10];
  auto n = write_websocket_frame_header(h, opcode, payload.size());
  out.append(reinterpret_cast<const char*>(h), n);
  out.append(payload);
}

// Runs `f` with the completion bound to the handler executor when there is
// one, so that reads and writes complete on the strand of their user.
template <class Start, class F>
void with_executor(WebSocket::Impl& impl, Start start, F&& f) {
  if (impl.handler_executor)
    start(asio::bind_executor(*impl.handler_executor, std::forward<F>(f)));
  else
    start(std::forward<F>(f));
}

enum class Step { need_more, control, message, failed };

}  // namespace

// ---- Impl ----

void WebSocket::Impl::shutdown_socket() {
  if (closed) return;
  closed = true;
  error_code ignored;
  socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
  if (wr_pending) {  // a data frame that was waiting for a control frame: it fails too
    wr_pending = false;
    auto ex = handler_executor ? *handler_executor : asio::any_io_executor(socket.get_executor());
    asio::post(ex, [w = std::move(writer)] { w->on_write(false); });
  }
  auto waiters = std::move(close_waiters);
  close_waiters.clear();
  for (auto& w : waiters) w();
}

bool WebSocket::Impl::deliver() {
  auto r = std::move(reader);
  WebSocketMessage m{decoder.take_message(), decoder.message_binary()};
  in_delivery = true;
  r->on_read(std::move(m));
  in_delivery = false;
  bool again = read_again;
  read_again = false;
  return again;
}

void WebSocket::Impl::send_close(std::uint16_t code) {
  if (close_sent || closed) return;
  close_sent = true;
  char payload[2] = {char(code >> 8), char(code & 0xFF)};
  append_control(control, WebSocketOpcode::close, std::string_view(payload, 2));
  pump();
}

// The reader learns of the end once the close frame it caused is out.
void WebSocket::Impl::fail_reader(Error e) {
  if (!control.empty() || !control_inflight.empty()) {
    reader_error = std::make_unique<Error>(std::move(e));
    close_after_control = true;
    pump();
    return;
  }
  shutdown_socket();
  if (auto r = std::move(reader)) r->on_read(std::move(e));
}

void WebSocket::Impl::pump() {
  if (wr_busy || closed) return;
  auto self = shared_from_this();
  if (!control.empty()) {
    control_inflight = std::move(control);
    control.clear();
    wr_busy = true;
    with_executor(
        *this, [&](auto h) { asio::async_write(socket, asio::buffer(control_inflight), std::move(h)); },
        [self](error_code ec, std::size_t) {
          self->wr_busy = false;
          self->control_inflight.clear();
          if (ec || (self->close_after_control && self->control.empty())) {
            self->shutdown_socket();
            if (self->reader_error) {
              auto e = std::move(*self->reader_error);
              self->reader_error.reset();
              if (auto r = std::move(self->reader)) r->on_read(std::move(e));
            }
          }
          self->pump();
        });
    return;
  }
  if (!wr_pending) return;
  wr_pending = false;
  wr_busy = true;
  auto done = [self](error_code ec, std::size_t) {
    self->wr_busy = false;
    if (!self->wr_frames.empty()) {  // a batch: give its memory back while idle
      std::vector<WebSocketOutFrame>().swap(self->wr_frames);
      std::string().swap(self->wr_headers);
    }
    auto w = std::move(self->writer);
    self->pump();  // a control frame that waited goes first
    if (w) w->on_write(!ec);
  };
  if (wr_frames.empty()) {
    auto n = write_websocket_frame_header(wr_header, wr_one.binary ? WebSocketOpcode::binary : WebSocketOpcode::text,
                                          wr_one.data.size());
    std::array<asio::const_buffer, 2> buffers{asio::buffer(wr_header, n),
                                              asio::buffer(wr_one.data.data(), wr_one.data.size())};
    with_executor(*this, [&](auto h) { asio::async_write(socket, buffers, std::move(h)); }, std::move(done));
    return;
  }
  // Every header first (wr_headers must not move while buffers point into it).
  wr_headers.resize(wr_frames.size() * 10);
  std::vector<std::size_t> header_size(wr_frames.size());
  for (std::size_t i = 0; i < wr_frames.size(); ++i)
    header_size[i] = write_websocket_frame_header(
        reinterpret_cast<unsigned char*>(wr_headers.data()) + i * 10,
        wr_frames[i].binary ? WebSocketOpcode::binary : WebSocketOpcode::text, wr_frames[i].data.size());
  std::vector<asio::const_buffer> buffers;
  buffers.reserve(wr_frames.size() * 2);
  for (std::size_t i = 0; i < wr_frames.size(); ++i) {
    buffers.emplace_back(wr_headers.data() + i * 10, header_size[i]);
    buffers.emplace_back(wr_frames[i].data.data(), wr_frames[i].data.size());
  }
  with_executor(
      *this, [&](auto h) { asio::async_write(socket, std::move(buffers), std::move(h)); }, std::move(done));
}

void WebSocket::Impl::continue_read() {
  // Parses what is buffered, one frame per step; a frame that is not all
  // here yet waits for the next read.
  auto step = [this](std::string_view& v) -> Step {
    WebSocketFrame f = decoder.next(v, max_message);
    switch (f.kind) {
      case Kind::need_more:
        return Step::need_more;
      case Kind::message:
        return Step::message;
      case Kind::fragment:
      case Kind::pong:
        return Step::control;
      case Kind::ping:
        if (!close_sent) {
          append_control(control, WebSocketOpcode::pong, f.payload());
          pump();
        }
        return Step::control;
      case Kind::close:
        // Echoes the peer's code; does nothing when this is the answer to our close.
        send_close(f.code == close_code::no_status ? close_code::normal : f.code);
        fail_reader(make_error("closed", "the peer closed the WebSocket"));
        return Step::failed;
      case Kind::error:
        break;
    }
    send_close(f.code);
    fail_reader(make_error(f.code == close_code::too_big ? "too_large" : "closed", f.what));
    return Step::failed;
  };

  if (in_delivery) {  // start_read() from inside on_read: the loop below picks it up
    read_again = true;
    return;
  }
  // Whatever is buffered first (pipelined messages are delivered in a loop,
  // not by recursion).
  while (in_pos < in.size()) {
    std::string_view v(in.data() + in_pos, in.size() - in_pos);
    Step s = step(v);
    in_pos = in.size() - v.size();
    if (s == Step::failed) return;
    if (s == Step::message) {
      if (in_pos == in.size()) {
        in.clear();
        in_pos = 0;
        if (in.capacity() > 4096) in.shrink_to_fit();
      }
      if (!deliver()) return;
      continue;
    }
    if (s == Step::need_more) break;
  }
  if (closed) return fail_reader(make_error("closed", "the WebSocket is closed"));
  auto self = shared_from_this();
  if (in_pos == in.size()) {
    // Nothing buffered: read into the small inline buffer, parse from
    // there, and copy only a leftover partial frame.
    in.clear();
    in_pos = 0;
    if (in.capacity() > 4096) in.shrink_to_fit();
    with_executor(
        *this, [&](auto h) { socket.async_read_some(asio::buffer(small, kSmall), std::move(h)); },
        [self, step](error_code ec, std::size_t n) {
          if (ec) return self->fail_reader(make_error("closed", ec.message()));
          std::string_view v(self->small, n);
          while (true) {
            Step s = step(v);
            if (s == Step::failed) return;
            if (s == Step::message) {
              self->in.assign(v);  // what follows the message, usually nothing
              if (self->deliver()) self->continue_read();
              return;
            }
            if (s == Step::need_more) break;
          }
          self->in.assign(v);
          self->continue_read();
        });
    return;
  }
  // A partial frame is buffered: read at least the rest of it into `in`.
  if (in_pos > 0) {
    in.erase(0, in_pos);
    in_pos = 0;
  }
  std::size_t needed = decoder.needed();
  std::size_t want = needed > in.size() ? needed - in.size() : 0;
  want = std::clamp<std::size_t>(want, 512, 64 * 1024);
  std::size_t old = in.size();
  in.resize(old + want);
  with_executor(
      *this, [&](auto h) { socket.async_read_some(asio::buffer(in.data() + old, want), std::move(h)); },
      [self, old](error_code ec, std::size_t n) {
        self->in.resize(old + (ec ? 0 : n));
        if (ec) return self->fail_reader(make_error("closed", ec.message()));
        self->continue_read();
      });
}

// ---- WebSocket ----

WebSocket::WebSocket(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebSocket::~WebSocket() {
  // Pending operations hold the state; closing the socket ends them.
  if (impl_) impl_->shutdown_socket();
}

void WebSocket::set_handler_executor(asio::any_io_executor ex) {
  impl_->handler_executor = std::make_unique<asio::any_io_executor>(std::move(ex));
}

void WebSocket::start_read(std::shared_ptr<WebSocketHandler> handler) {
  impl_->reader = std::move(handler);
  impl_->continue_read();
}

void WebSocket::start_write(std::string_view data, bool binary, std::shared_ptr<WebSocketHandler> handler) {
  WebSocketOutFrame one{data, binary};
  start_write(std::span<const WebSocketOutFrame>(&one, 1), std::move(handler));
}

void WebSocket::start_write(std::span<const WebSocketOutFrame> frames, std::shared_ptr<WebSocketHandler> handler) {
  if (impl_->closed || impl_->close_sent) {
    auto ex = impl_->handler_executor ? *impl_->handler_executor : asio::any_io_executor(impl_->socket.get_executor());
    asio::post(ex, [h = std::move(handler)] { h->on_write(false); });
    return;
  }
  impl_->writer = std::move(handler);
  if (frames.size() == 1)
    impl_->wr_one = frames[0];
  else
    impl_->wr_frames.assign(frames.begin(), frames.end());
  impl_->wr_pending = true;
  impl_->pump();
}

namespace {
// Turns the callbacks into completions of an awaitable operation.
struct AwaitRead final : WebSocketHandler {
  explicit AwaitRead(asio::any_completion_handler<void(Result<WebSocketMessage>)> h) : handler(std::move(h)) {}
  asio::any_completion_handler<void(Result<WebSocketMessage>)> handler;
  void on_read(Result<WebSocketMessage> m) override {
    auto ex = asio::get_associated_executor(handler);
    asio::dispatch(ex, [h = std::move(handler), m = std::move(m)]() mutable { std::move(h)(std::move(m)); });
  }
  void on_write(bool) override {}
};
struct AwaitWrite final : WebSocketHandler {
  explicit AwaitWrite(asio::any_completion_handler<void(bool)> h, std::string d)
      : handler(std::move(h)), data(std::move(d)) {}
  asio::any_completion_handler<void(bool)> handler;
  std::string data;
  void on_read(Result<WebSocketMessage>) override {}
  void on_write(bool ok) override {
    auto ex = asio::get_associated_executor(handler);
    asio::dispatch(ex, [h = std::move(handler), ok]() mutable { std::move(h)(ok); });
  }
};
// Reads and drops messages until the peer's close frame (after close()).
struct Drain final : WebSocketHandler, std::enable_shared_from_this<Drain> {
  explicit Drain(std::shared_ptr<WebSocket::Impl> i) : impl(std::move(i)) {}
  std::shared_ptr<WebSocket::Impl> impl;
  void on_read(Result<WebSocketMessage> m) override {
    if (!m) return;
    impl->reader = shared_from_this();
    impl->continue_read();
  }
  void on_write(bool) override {}
};
}  // namespace

asio::awaitable<Result<WebSocketMessage>> WebSocket::read() {
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Result<WebSocketMessage>)>(
      [this](auto handler) { start_read(std::make_shared<AwaitRead>(std::move(handler))); }, asio::use_awaitable);
}

asio::awaitable<Status> WebSocket::write(std::string_view data, bool binary) {
  bool ok = co_await asio::async_initiate<decltype(asio::use_awaitable), void(bool)>(
      [this, data, binary](auto handler) {
        auto w = std::make_shared<AwaitWrite>(std::move(handler), std::string(data));
        std::string_view bytes = w->data;
        start_write(bytes, binary, std::move(w));
      },
      asio::use_awaitable);
  if (!ok) co_return make_error("closed", "the WebSocket is closed");
  co_return Ok{};
}

asio::awaitable<void> WebSocket::close() {
  if (impl_->closed) co_return;
  impl_->send_close(close_code::normal);
  if (!impl_->reader) start_read(std::make_shared<Drain>(impl_));
  auto ex = impl_->handler_executor ? *impl_->handler_executor : asio::any_io_executor(impl_->socket.get_executor());
  auto timer = std::make_shared<asio::steady_timer>(ex, std::chrono::seconds(30));
  timer->async_wait([impl = impl_](error_code ec) {
    if (!ec) impl->shutdown_socket();
  });
  // Done when the socket closes: after the peer's close frame, a failure,
  // or abort() (the caller's watchdog).
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [this](auto handler) {
        if (impl_->closed) {
          auto ex = asio::get_associated_executor(handler);
          return asio::dispatch(ex, std::move(handler));
        }
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        impl_->close_waiters.push_back([shared] {
          auto ex = asio::get_associated_executor(*shared);
          asio::post(ex, std::move(*shared));
        });
      },
      asio::use_awaitable);
  timer->cancel();
}

void WebSocket::abort() { impl_->shutdown_socket(); }

asio::any_io_executor WebSocket::executor() { return impl_->socket.get_executor(); }

}  // namespace berth::net
