#pragma once
// Who may open which preview (DESIGN §5, previews): the PreviewGate the
// preview proxy asks. A port is private unless its project's owner made it
// public. A private one opens with a session: the editor asks
// `POST …/previews/{port}/session` for a link (5 minutes), opening it on
// the preview's own origin sets a cookie there (12 hours) that names the
// user; each use checks that the user may still see the project.
//
// Public ports are held in memory on this node, where the project runs,
// and are forgotten when the project stops: a port is public while it is
// being shown, not forever.
#include <functional>
#include <mutex>
#include <vector>
#include <set>
#include <string>
#include <utility>

#include "api/context.hpp"
#include "preview/preview_proxy.hpp"

namespace berth::api {

inline constexpr std::chrono::seconds kPreviewSessionLifetime{12 * 3600};

class PreviewAccess final : public preview::PreviewGate {
 public:
  explicit PreviewAccess(ApiContext& ctx) : ctx_(ctx) {}

  boost::asio::awaitable<Status> admit(std::string project_id, int port, std::string session) override;
  Result<preview::PreviewSession> open_session(const std::string& project_id, int port,
                                               const std::map<std::string, std::string>& query) override;

  // The link that opens a session for `user_id` on the preview's origin.
  struct Link {
    std::string url;
    std::int64_t expires_at = 0;
  };
  Link session_link(const std::string& project_id, int port, const std::string& user_id) const;

  // Told (on the caller's thread) when a port turns public or private.
  using VisibilityListener = std::function<void(const std::string& project_id, int port, bool is_public)>;
  void on_visibility(VisibilityListener listener) { listeners_.push_back(std::move(listener)); }

  void set_public(const std::string& project_id, int port, bool is_public);
  bool is_public(const std::string& project_id, int port) const;
  void forget(const std::string& project_id);  // the project stopped

 private:
  ApiContext& ctx_;
  mutable std::mutex mu_;
  std::set<std::pair<std::string, int>> public_;
  std::vector<VisibilityListener> listeners_;
};

}  // namespace berth::api
