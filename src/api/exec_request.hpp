#pragma once
// The exec payload shared by REST `POST /projects/{id}/exec` and the
// Socket.IO `exec:run` event: `{command: string|string[], cwd?, env?,
// timeoutMs?}` in, `{exitCode, stdout, stderr, truncated, timedOut}` out.
// A string command runs under `sh -c`; an array runs as is.
#include <boost/json/object.hpp>

#include "core/result.hpp"
#include "docker/command_run.hpp"
#include "workspace/project_runtime.hpp"

namespace berth::api {

inline constexpr std::int64_t kMaxExecTimeoutMs = 3'600'000;
inline constexpr std::int64_t kDefaultExecTimeoutMs = 30'000;

Result<workspace::ExecRequest> parse_exec_request(const boost::json::object& body);
boost::json::object exec_result_json(const docker::CommandResult& result);

}  // namespace berth::api
