#include "preview/preview_proxy.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <sys/socket.h>

#include <cerrno>
#include <mutex>
#include <optional>
#include <sstream>
#include <vector>

#include "net/http_types.hpp"
#include "preview/http_relay.hpp"
#include "preview/namespace_dialer.hpp"
#include "preview/port_watch.hpp"
#include "preview/preview_host.hpp"
#include "preview/preview_pages.hpp"

namespace berth::preview {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using relay_detail::use_nothrow;

namespace {

// A keep-alive connection re-asks the gate this often, so a removed member
// or a port made private again is cut within it.
constexpr auto kAdmissionLifetime = std::chrono::seconds(10);
constexpr std::size_t kReadSize = 64 << 10;
constexpr auto kCheckAfter = std::chrono::milliseconds(250);

// The `name=value` pairs of a Cookie header, leading spaces trimmed, empty ones left out.
std::vector<std::string_view> cookie_pairs(std::string_view header) {
  std::vector<std::string_view> pairs;
  while (!header.empty()) {
    auto semi = header.find(';');
    auto pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (!pair.empty()) pairs.push_back(pair);
  }
  return pairs;
}

bool names(std::string_view pair, std::string_view name) {
  return pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=';
}

std::string cookie_value(std::string_view header, std::string_view name) {
  for (auto pair : cookie_pairs(header))
    if (names(pair, name)) return std::string(pair.substr(name.size() + 1));
  return {};
}

// The Cookie header without Berth's own pair: the app never sees the session.
std::string without_cookie(std::string_view header, std::string_view name) {
  std::string out;
  for (auto pair : cookie_pairs(header)) {
    if (names(pair, name)) continue;
    if (!out.empty()) out += "; ";
    out += pair;
  }
  return out;
}

// Whether a kept-alive connection to the app is still open: apps close idle
// ones (Node's http server after 5 s), and a request written to one that
// has closed would be lost, answered by nothing.
bool still_open(tcp::socket& socket) {
  char byte;
  auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
}

std::string client_ip(const std::string& remote) {  // "1.2.3.4:5" or "[::1]:5"
  if (!remote.empty() && remote.front() == '[') return remote.substr(1, remote.find(']') - 1);
  return remote.substr(0, remote.rfind(':'));
}

// Where a session link may send the browser on: a path on the same origin.
std::string safe_next(const std::map<std::string, std::string>& query) {
  auto it = query.find("next");
  if (it == query.end() || it->second.empty() || it->second[0] != '/' || it->second.rfind("//", 0) == 0 ||
      it->second.find_first_of("\\\r\n") != std::string::npos)
    return "/";
  return it->second;
}

}  // namespace

struct PreviewProxy::Impl : std::enable_shared_from_this<Impl> {
  Impl(std::string d, PortWatch& p, PreviewGate& g, ProxyLimits l)
      : domain(std::move(d)), ports(p), gate(g), limits(l) {}

  std::string domain;
  PortWatch& ports;
  PreviewGate& gate;
  ProxyLimits limits;
  mutable std::mutex mu;
  std::map<std::string, std::size_t> open;  // client connections per project

  // A connection's place under the per-project bound.
  struct Slot {
    Impl* impl = nullptr;
    std::string project_id;
    Slot() = default;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() {
      if (!impl) return;
      std::lock_guard lock(impl->mu);
      if (--impl->open[project_id] == 0) impl->open.erase(project_id);
    }
  };
  bool take_slot(Slot& slot, const std::string& project_id) {
    std::lock_guard lock(mu);
    auto& n = open[project_id];
    if (n >= limits.max_connections) {
      if (n == 0) open.erase(project_id);
      return false;
    }
    ++n;
    slot.impl = this;
    slot.project_id = project_id;
    return true;
  }

  static asio::awaitable<void> answer(beast::tcp_stream& client, const Page& page, unsigned version,
                                      std::string set_cookie = {}, std::string location = {}) {
    http::response<http::string_body> res{http::status(page.status), version};
    res.set(http::field::server, "berth");
    res.set(http::field::content_type, "text/html; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    if (!page.code.empty()) res.set("X-Berth-Error", page.code);
    if (!set_cookie.empty()) res.set(http::field::set_cookie, set_cookie);
    if (!location.empty()) res.set(http::field::location, location);
    res.keep_alive(page.keep_alive);
    res.body() = page.html;
    res.prepare_payload();
    client.expires_after(std::chrono::seconds(10));
    co_await http::async_write(client, res, use_nothrow);
  }

  // `self` keeps the proxy state alive while the connection lasts.
  asio::awaitable<void> serve([[maybe_unused]] std::shared_ptr<Impl> self, tcp::socket socket, std::string received,
                              std::string remote) {
    beast::tcp_stream client(std::move(socket));
    // Reserved: a read asks for what the buffer can hold, so a small buffer
    // would mean many small reads of a large body.
    beast::flat_buffer from_client;
    from_client.reserve(std::max<std::size_t>(received.size(), kReadSize));
    asio::buffer_copy(from_client.prepare(received.size()), asio::buffer(received));
    from_client.commit(received.size());
    received.clear();

    std::optional<PreviewHost> served;  // the preview this connection is for
    Slot slot;
    std::string admitted;  // the session the gate last let in, and when
    std::chrono::steady_clock::time_point admitted_at{};
    std::optional<beast::tcp_stream> upstream;
    std::chrono::steady_clock::time_point upstream_used{};
    beast::flat_buffer from_upstream;
    std::vector<char> chunk(kReadSize);

    for (;;) {
      http::request_parser<http::buffer_body> request;
      request.header_limit(std::uint32_t(limits.max_header_bytes));
      request.body_limit(boost::none);
      client.expires_after(limits.header_timeout);
      auto [ec, n] = co_await http::async_read_header(client, from_client, request, use_nothrow);
      if (ec) {
        if (ec == http::error::header_limit)
          co_await answer(client, header_too_large(limits.max_header_bytes), 11);
        else if (ec == beast::error::timeout && from_client.size() > 0)
          co_await answer(client, request_timeout(), 11);
        else if (ec != http::error::end_of_stream && ec != beast::error::timeout && ec != asio::error::eof &&
                 ec != asio::error::connection_reset && ec != asio::error::operation_aborted)
          co_await answer(client, bad_request(ec.message()), 11);
        break;
      }
      auto& req = request.get();
      unsigned version = req.version();
      auto host = parse_preview_host(req[http::field::host], domain);
      if (!host) {
        co_await answer(client, no_such_preview(), version);
        break;
      }
      if (served && (host->port != served->port || host->project_id != served->project_id)) {
        co_await answer(client, misdirected(), version);  // one connection, one preview
        break;
      }
      if (!served) {
        if (!take_slot(slot, host->project_id)) {
          co_await answer(client, too_many_connections(limits.max_connections), version);
          break;
        }
        served = host;
      }

      auto path_and_query = std::string_view(req.target());
      auto q = path_and_query.find('?');
      if (path_and_query.substr(0, q) == kSessionPath) {
        auto query = q == std::string_view::npos ? std::map<std::string, std::string>{}
                                                 : net::parse_query(path_and_query.substr(q + 1));
        auto session = gate.open_session(host->project_id, host->port, query);
        if (!session) {
          co_await answer(client, refused(session.error()), version);
          break;
        }
        std::string cookie = std::string(kSessionCookie) + "=" + session->cookie + "; Path=/; Max-Age=" +
                             std::to_string(session->lifetime.count()) + "; HttpOnly; SameSite=Lax";
        co_await answer(client, redirect(), version, cookie, safe_next(query));
        break;
      }

      std::string session = cookie_value(req[http::field::cookie], kSessionCookie);
      if (session != admitted || std::chrono::steady_clock::now() - admitted_at > kAdmissionLifetime) {
        auto verdict = co_await gate.admit(host->project_id, host->port, session);
        if (!verdict) {
          co_await answer(client, refused(verdict.error()), version);
          break;
        }
        admitted = session;
        admitted_at = std::chrono::steady_clock::now();
      }

      auto target = ports.target(host->project_id, host->port);
      if (!target) {
        co_await answer(client, project_stopped(), version);
        break;
      }
      // Asked only of a connection quiet for a while: apps close idle ones
      // after seconds, and the check is a system call per request.
      if (upstream && std::chrono::steady_clock::now() - upstream_used > kCheckAfter &&
          !still_open(upstream->socket())) {
        upstream->close();
        upstream.reset();
      }
      if (!upstream) {
        auto dialed = co_await ports.dialer().dial(client.get_executor(), target->pid, target->ns_inode, host->port);
        if (!dialed) {
          // A local, not a ?: inside the co_await: GCC 12 destroys such a temporary twice.
          Page page = project_stopped();
          if (dialed.error().code == "port_closed") page = port_closed(host->port);
          if (dialed.error().code == "bad_gateway") page = bad_gateway(false, false, limits.idle_timeout);
          co_await answer(client, page, version);
          break;
        }
        upstream.emplace(std::move(*dialed));
        from_upstream.clear();
        from_upstream.reserve(kReadSize);
      }

      // What the app sees: the client's request, minus Berth's cookie, plus
      // where it came from.
      if (auto c = req.find(http::field::cookie); c != req.end()) {
        std::string rest = without_cookie(c->value(), kSessionCookie);
        if (rest.empty())
          req.erase(http::field::cookie);
        else
          req.set(http::field::cookie, rest);
      }
      std::string forwarded_for(req["X-Forwarded-For"]);
      req.set("X-Forwarded-For", (forwarded_for.empty() ? "" : forwarded_for + ", ") + client_ip(remote));
      req.set("X-Forwarded-Proto", "http");
      req.set("X-Forwarded-Host", req[http::field::host]);
      bool expects_continue = beast::iequals(req[http::field::expect], "100-continue");
      if (expects_continue) {  // answered here, so the body follows without waiting on the app
        req.erase(http::field::expect);
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        client.expires_after(limits.idle_timeout);
        auto [cec, cn] = co_await asio::async_write(client, asio::buffer(kContinue), use_nothrow);
        if (cec) break;
      }
      bool upgrade = beast::websocket::is_upgrade(req) ||
                     (req.count(http::field::upgrade) && beast::iequals(req[http::field::connection], "upgrade"));
      bool head = req.method() == http::verb::head;
      bool client_keeps = req.keep_alive();
      // Connection is hop by hop: towards the app Berth asks to keep its
      // connection (an upgrade keeps its own Connection: upgrade).
      if (!upgrade) req.keep_alive(true);

      auto sent = co_await relay_message(client, from_client, request, *upstream, chunk, limits.idle_timeout);
      if (sent) break;  // the client went away, or the app stopped reading

      // An interim answer (100, 103) is dropped: the client gets the final one.
      std::optional<http::response_parser<http::buffer_body>> parsed;
      beast::error_code rec;
      do {
        parsed.emplace();
        parsed->header_limit(std::uint32_t(limits.max_header_bytes));
        parsed->body_limit(boost::none);
        if (head) parsed->skip(true);
        upstream->expires_after(limits.idle_timeout);
        auto [hec, hn] = co_await http::async_read_header(*upstream, from_upstream, *parsed, use_nothrow);
        rec = hec;
      } while (!rec && parsed->get().result_int() / 100 == 1 && parsed->get().result_int() != 101);
      auto& response = *parsed;
      if (rec) {
        co_await answer(client, bad_gateway(rec == beast::error::timeout, rec == http::error::header_limit,
                                            limits.idle_timeout),
                        version);
        break;
      }
      if (response.get().result_int() == 101) {
        if (!upgrade) break;  // an upgrade nobody asked for
        std::ostringstream header;
        header << response.get().base();
        std::string wire = header.str();
        client.expires_after(limits.idle_timeout);
        auto [wec, wn] = co_await asio::async_write(client, asio::buffer(wire), use_nothrow);
        if (wec) break;
        co_await tunnel(client, from_client, *upstream, from_upstream, limits.idle_timeout);
        break;
      }
      bool app_keeps = response.get().keep_alive();
      // A body that ends where the app closes (no length, not chunked) can
      // only end for the client the same way.
      bool delimited = response.is_done() || response.chunked() || response.content_length().has_value();
      if (!delimited) client_keeps = false;
      response.get().keep_alive(client_keeps);  // towards the client, the client's choice
      auto got = co_await relay_message(*upstream, from_upstream, response, client, chunk, limits.idle_timeout);
      upstream_used = std::chrono::steady_clock::now();
      if (got || !client_keeps) break;
      if (!app_keeps) {
        beast::error_code ignored;
        upstream->socket().shutdown(tcp::socket::shutdown_both, ignored);
        upstream.reset();
      }
    }
    beast::error_code ignored;
    client.socket().shutdown(tcp::socket::shutdown_both, ignored);
    client.close();
    if (upstream) upstream->close();
  }
};

PreviewProxy::PreviewProxy(std::string domain, PortWatch& ports, PreviewGate& gate, ProxyLimits limits)
    : impl_(std::make_shared<Impl>(std::move(domain), ports, gate, limits)) {}

PreviewProxy::~PreviewProxy() = default;

net::HostHandoff PreviewProxy::handoff() {
  std::weak_ptr<Impl> weak = impl_;
  std::string domain = impl_->domain;
  return {
      [domain](std::string_view host) { return is_preview_host(host, domain); },
      [weak](tcp::socket socket, std::string received, std::string remote) {
        auto impl = weak.lock();
        if (!impl) return;
        auto ex = socket.get_executor();
        asio::co_spawn(ex, impl->serve(impl, std::move(socket), std::move(received), std::move(remote)), asio::detached);
      },
  };
}

}  // namespace berth::preview
