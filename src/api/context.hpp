#pragma once
// What the API handlers need, wired once in app/ and passed by reference.
#include "auth/authenticator.hpp"
#include "auth/password_hasher.hpp"
#include "core/config.hpp"
#include "core/worker_pool.hpp"
#include "db/database.hpp"
#include "net/metrics.hpp"
#include "net/router.hpp"

namespace berth::workspace {
class ProjectRuntime;
class Workspaces;
class FileSync;
}
namespace berth::storage {
class ObjectStore;
}
namespace berth::preview {
class PortWatch;
}

namespace berth::api {

class PreviewAccess;

// Told after a change of access, so open real-time connections follow it:
// cut when access is gone, re-roled when it changed (events/ProjectConnections).
class AccessRevocations {
 public:
  virtual ~AccessRevocations() = default;
  virtual void member_removed(const std::string& project_id, const std::string& user_id) = 0;
  // A role change applies to the member's open sockets at once.
  virtual void member_role_changed(const std::string& project_id, const std::string& user_id, db::Role role) = 0;
  virtual void project_deleted(const std::string& project_id) = 0;
};

struct ApiContext {
  const Config& config;
  db::Database& db;
  auth::Authenticator& authenticator;
  auth::PasswordHasher& hasher;
  WorkerPool& workers;  // blocking database calls run here
  net::Metrics& metrics;
  const net::Router& router;  // for the OpenAPI cross-check
  workspace::ProjectRuntime* runtime = nullptr;  // containers; null: routes answer runtime_unavailable
  AccessRevocations* revocations = nullptr;      // cuts open sockets; null in tests without Socket.IO
  storage::ObjectStore* storage = nullptr;       // project files; null in tests without storage
  workspace::Workspaces* workspaces = nullptr;   // open projects' mirrors; null: no fs:* events
  workspace::FileSync* sync = nullptr;           // mirror ⇄ storage; null: files stay local (tests)
  preview::PortWatch* ports = nullptr;           // ports open in containers; null: none reported
  PreviewAccess* previews = nullptr;             // who may open previews; null: no preview routes answer
};

}  // namespace berth::api
