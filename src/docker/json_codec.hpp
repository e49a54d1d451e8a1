#pragma once
// Engine API JSON ⇄ docker/ structs. Pure functions with no I/O, so the
// shapes are unit-tested without an engine; Boost.JSON stays in the .cpp.
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "docker/types.hpp"

namespace berth::docker {

std::string encode_container_spec(const ContainerSpec& spec);
std::string encode_exec_spec(const ExecSpec& spec);

Result<EngineVersion> decode_version(std::string_view json);
Result<ImageInfo> decode_image(std::string_view json);
Result<std::vector<ImageInfo>> decode_image_list(std::string_view json);
Result<ContainerInfo> decode_container(std::string_view json);
Result<std::vector<ContainerSummary>> decode_container_list(std::string_view json);
Result<ExecInfo> decode_exec(std::string_view json);
Result<Event> decode_event(std::string_view json);
Result<std::string> decode_id(std::string_view json);  // {"Id": "..."}

// The engine's {"message": "..."} (or the text itself when it is not JSON).
std::string engine_message(std::string_view body);

// One line of a progress stream (import, build, pull): {"status"|"stream"|
// "error"|"errorDetail"...}. `error` is set when the line reports a failure.
struct ProgressLine {
  std::string text;
  std::string error;
  std::string aux_id;  // build: {"aux":{"ID":"sha256:..."}}; import: {"status":"sha256:..."}
};
ProgressLine decode_progress(std::string_view json_line);

// Picks the API version to speak: the engine's newest, capped at the newest
// this client knows (1.47); an error when the engine's oldest is newer than
// that or its newest older than 1.41 (the oldest whose shapes we rely on).
Result<std::string> negotiate_api_version(const EngineVersion& engine);

// {"label":["io.berth.managed=true"]} → the URL-encoded `filters` value.
std::string label_filter(const std::vector<std::string>& labels);

std::string url_encode(std::string_view text);

}  // namespace berth::docker
