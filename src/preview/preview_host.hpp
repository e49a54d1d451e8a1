#pragma once
// Preview host names (DESIGN §5, previews): `<port>-<projectId>.<domain>`,
// with an optional `:<listener port>`. Pure, so the rules are tested alone.
#include <optional>
#include <string>
#include <string_view>

namespace berth::preview {

struct PreviewHost {
  int port = 0;            // in the container, 1–65535
  std::string project_id;  // a lower-case UUID
};

// Whether `host` is one label under `domain` (case-insensitive): such a
// host is the previews' even when it names no preview, so it gets the
// previews' "no such preview" page rather than the IDE.
bool is_preview_host(std::string_view host, std::string_view domain);

// The preview `host` names; nullopt for any other host, a port out of
// range or an id that is not a UUID.
std::optional<PreviewHost> parse_preview_host(std::string_view host, std::string_view domain);

// "<port>-<projectId>.<domain>".
std::string preview_host_name(int port, const std::string& project_id, const std::string& domain);

}  // namespace berth::preview
