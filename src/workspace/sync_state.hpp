#pragma once
// How far a project's files are from storage (`sync:status`, GET /projects/{id}).
#include <cstddef>
#include <string>
#include <vector>

namespace berth::workspace {

struct ParkedPath {
  std::string path;
  std::string code;  // invalid_path, too_large …
  std::string message;
  bool operator==(const ParkedPath&) const = default;
};

struct SyncState {
  std::size_t pending = 0;         // dirty paths not yet in storage
  std::vector<ParkedPath> failed;  // parked: never uploadable as they are
  bool operator==(const SyncState&) const = default;
};

}  // namespace berth::workspace
