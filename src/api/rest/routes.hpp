#pragma once
// Registers every REST route of /api/v1 and the operations endpoints. Each
// group lives in its own file; this is the table of contents.
#include "api/context.hpp"

namespace berth::api {

void add_auth_routes(net::Router& router, ApiContext& ctx);     // rest/auth_routes.cpp
void add_project_routes(net::Router& router, ApiContext& ctx);  // rest/project_routes.cpp
void add_member_routes(net::Router& router, ApiContext& ctx);   // rest/member_routes.cpp
void add_ops_routes(net::Router& router, ApiContext& ctx);      // rest/ops_routes.cpp
void add_runtime_routes(net::Router& router, ApiContext& ctx);  // rest/runtime_routes.cpp
void add_file_routes(net::Router& router, ApiContext& ctx);     // rest/file_routes.cpp
void add_archive_routes(net::Router& router, ApiContext& ctx);  // rest/archive_routes.cpp
void add_preview_routes(net::Router& router, ApiContext& ctx);  // rest/preview_routes.cpp

inline void add_rest_routes(net::Router& router, ApiContext& ctx) {
  add_ops_routes(router, ctx);
  add_auth_routes(router, ctx);
  add_project_routes(router, ctx);
  add_member_routes(router, ctx);
  add_runtime_routes(router, ctx);
  add_file_routes(router, ctx);
  add_archive_routes(router, ctx);
  add_preview_routes(router, ctx);
}

// The OpenAPI 3.1 document served at /openapi.json (src/api/openapi.json).
std::string_view openapi_document();

}  // namespace berth::api
