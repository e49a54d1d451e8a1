#pragma once
// What the API handlers need, wired once in app/ and passed by reference.
#include "auth/authenticator.hpp"
#include "auth/password_hasher.hpp"
#include "core/config.hpp"
#include "core/worker_pool.hpp"
#include "db/database.hpp"
#include "net/metrics.hpp"
#include "net/router.hpp"

namespace berth::api {

struct ApiContext {
  const Config& config;
  db::Database& db;
  auth::Authenticator& authenticator;
  auth::PasswordHasher& hasher;
  WorkerPool& workers;  // blocking database calls run here
  net::Metrics& metrics;
  const net::Router& router;  // for the OpenAPI cross-check
};

}  // namespace berth::api
