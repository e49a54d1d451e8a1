#pragma once
// The preview proxy (DESIGN §5, previews): requests to
// `<port>-<projectId>.<BERTH_PREVIEW_DOMAIN>` on Berth's own listener go,
// every path, to that port inside the project's container, over a
// connection made in the container's network namespace (namespace_dialer).
// HTTP/1.1 with keep-alive, bodies streamed both ways, WebSocket upgrades
// tunnelled, X-Forwarded-For/Proto/Host set. Who may open a preview is the
// PreviewGate's to say (api/ implements it); its answers, a stopped
// project and a closed port each get a small page with a stable code in
// `X-Berth-Error`, never a hang.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "net/http_server.hpp"

namespace berth::preview {

class PortWatch;

struct ProxyLimits {
  std::size_t max_connections = 256;            // BERTH_PREVIEW_MAX_CONNECTIONS: per project, at once
  std::size_t max_header_bytes = 16 * 1024;     // BERTH_PREVIEW_MAX_HEADER: a request's or a response's
  std::chrono::seconds idle_timeout{300};       // BERTH_PREVIEW_IDLE_TIMEOUT: no byte either way
  std::chrono::seconds header_timeout{15};      // a client's next request header
};

// The one path a preview host keeps for itself: opening a session link.
inline constexpr std::string_view kSessionPath = "/__berth/preview-session";
inline constexpr std::string_view kSessionCookie = "berth_preview";

struct PreviewSession {
  std::string cookie;  // the value of kSessionCookie
  std::chrono::seconds lifetime{0};
};

// Who may open which preview: api/ answers from accounts and members.
class PreviewGate {
 public:
  virtual ~PreviewGate() = default;
  // Ok, or unauthorized (no valid session and the port is private) or
  // not_found (a session for another project, or for a user who may no
  // longer see it). `session` is the cookie's value, maybe empty.
  virtual boost::asio::awaitable<Status> admit(std::string project_id, int port, std::string session) = 0;
  // The cookie a session link (its query) opens, or why not (unauthorized:
  // lapsed; not_found: made for another project or port).
  virtual Result<PreviewSession> open_session(const std::string& project_id, int port,
                                              const std::map<std::string, std::string>& query) = 0;
};

class PreviewProxy {
 public:
  PreviewProxy(std::string domain, PortWatch& ports, PreviewGate& gate, ProxyLimits limits);
  ~PreviewProxy();

  // For HttpServer::Options::handoff: the preview hosts' connections.
  net::HostHandoff handoff();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace berth::preview
