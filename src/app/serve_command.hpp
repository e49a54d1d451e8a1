#pragma once
// `berth serve`: wires configuration, database, auth, HTTP and the API
// together and runs until SIGINT/SIGTERM.
#include "core/config.hpp"

namespace berth::app {

int run_serve(Config config);

// Resolves JWT_SECRET: the configured one, or a development secret generated
// once and kept in <data_dir>/dev-jwt-secret (logged loudly).
Result<std::string> resolve_jwt_secret(const Config& config);

}  // namespace berth::app
