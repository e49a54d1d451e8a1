#pragma once
#include <functional>
// The exec payload shared by REST `POST /projects/{id}/exec` and the
// Socket.IO `exec:run` event: `{command: string|string[], cwd?, env?,
// timeoutMs?}` in, `{exitCode, stdout, stderr, …Encoding, truncated, timedOut}` out.
// A string command runs under `sh -c`; an array runs as is.
#include <boost/json/object.hpp>

#include "core/result.hpp"
#include "docker/command_run.hpp"
#include "workspace/project_runtime.hpp"

namespace berth::api {

inline constexpr std::int64_t kMaxExecTimeoutMs = 3'600'000;
inline constexpr std::int64_t kDefaultExecTimeoutMs = 30'000;

Result<workspace::ExecRequest> parse_exec_request(const boost::json::object& body);
// `{exitCode, stdout, stderr, stdoutEncoding, stderrEncoding, truncated,
// timedOut}`. Output that is valid UTF-8 is a string (encoding "utf8"); any
// other output is carried losslessly, never as invalid UTF-8 in JSON:
// handed to `attach` (which returns the Socket.IO placeholder for a binary
// attachment: encoding "binary") when given, else as base64 ("base64").
boost::json::object exec_result_json(const docker::CommandResult& result,
                                     const std::function<std::string(std::string)>& attach = {});

}  // namespace berth::api
