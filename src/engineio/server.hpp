#pragma once
// An Engine.IO v4 endpoint: validates requests (EIO, transport, sid),
// creates sessions, and hands each request to its session's strand. Mounted
// on a net::Router at Options::path; the router ignores empty segments, so
// "/engine.io" and "/engine.io/" are the same route.
//
// Each session gets its own strand: a polling session a new one, a
// WebSocket session the strand of its connection. The upper layer
// (Socket.IO, or the conformance echo server) sees sessions through
// on_connection and SessionListener.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>

#include "engineio/options.hpp"
#include "engineio/session.hpp"
#include "net/http_types.hpp"
#include "net/router.hpp"

namespace berth::engineio {

class Server {
 public:
  // Called on the new session's strand before any of its messages; returns
  // the listener for that session (or null to just keep it open).
  using ConnectionHandler = std::function<std::shared_ptr<SessionListener>(const SessionPtr&)>;

  Server(boost::asio::io_context& ioc, Options options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void on_connection(ConnectionHandler handler);  // set before mount()
  void mount(net::Router& router);                // every method at options().path
  boost::asio::awaitable<net::HttpResponse> handle(net::HttpRequest& req);

  const Options& options() const;
  std::size_t session_count() const;
  SessionPtr find(const std::string& sid) const;
  void close_all();  // graceful: queued packets still go out

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace berth::engineio
