#pragma once
// What the uploader must do for a batch of dirty paths (sync_journal.hpp):
// the mirror, as it is now, against the journal's synced view. Pure
// reading, no storage calls, so it runs on a worker and is testable alone.
//
// A file whose SHA-256 and mode match what was synced is not uploaded again
// (an echo of Berth's own write, or a write that changed nothing). A file
// that vanished from a folder is deleted from storage. An upload whose
// content is exactly a deleted object's is a server-side move instead (a
// renamed folder moves its objects rather than uploading them again).
#include <cstdint>
#include <string>
#include <vector>

#include "storage/project_manifest.hpp"
#include "workspace/ignore_rules.hpp"
#include "workspace/project_files.hpp"
#include "workspace/sync_journal.hpp"

namespace berth::workspace {

struct UploadStep {
  std::string path;
  std::string sha256;
  std::uint64_t size = 0;
  unsigned mode = 0644;
  std::string move_from;  // when set: storage moves this object instead of an upload
  std::string move_etag;
};

struct UploadPlan {
  std::vector<UploadStep> uploads;
  std::vector<std::string> deletes;                            // file objects that are gone
  std::vector<std::pair<std::string, SyncedEntry>> set_meta;   // folders and symlinks now there
  std::vector<std::string> forget_meta;                        // folders and symlinks gone
  bool manifest_changed() const { return !set_meta.empty() || !forget_meta.empty() || mode_changed; }
  bool mode_changed = false;
};

Result<UploadPlan> plan_uploads(const ProjectFiles& files, SyncJournal& journal, const std::string& project_id,
                                const std::vector<DirtyPath>& dirty, const IgnoreRules& ignore);

// The rules in force: the defaults plus the mirror's .berthignore.
IgnoreRules ignore_rules_of(const ProjectFiles& files);

// The manifest (empty folders, modes, symlinks) the synced view implies.
storage::ProjectManifest manifest_of(const std::map<std::string, SyncedEntry>& synced);

}  // namespace berth::workspace
