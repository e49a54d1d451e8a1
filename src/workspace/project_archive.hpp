#pragma once
// A project folder as a zip archive, and a zip archive into a project folder
// (DESIGN §5, GET|POST …/archive). Both are blocking (worker pool) and work
// a piece at a time: the download reads and deflates about one piece per
// call, the upload is planned whole (every name checked as a project path
// before anything is written, so a zip-slip refuses the archive) and then
// unpacked one entry per call by the caller, which writes each through the
// workspace like any other change.
#include <optional>
#include <string>
#include <vector>

#include "archive/zip_reader.hpp"
#include "archive/zip_writer.hpp"
#include "core/result.hpp"
#include "core/unique_fd.hpp"
#include "workspace/path_guard.hpp"
#include "workspace/project_files.hpp"

namespace berth::workspace {

class ProjectZip {
 public:
  // `files` must outlive the archive (the caller holds its workspace).
  ProjectZip(const ProjectFiles& files, ProjectPath folder, bool force_zip64);
  // Lists the folder, leaving out what .berthignore keeps local; not_found
  // when the folder is missing, bad_request when it is a file.
  Status start();
  // About `want` more bytes of the archive; empty once it is complete. A
  // file removed meanwhile is left out; one that changes is taken as it is
  // when it is opened (writes replace files whole, by rename).
  Result<std::string> next(std::size_t want);
  std::size_t entry_count() const { return entries_.size(); }

 private:
  Status add_next_entry();
  std::string name_in_archive(const std::string& project_path) const;

  const ProjectFiles& files_;
  ProjectPath folder_;
  archive::ZipWriter zip_;
  std::vector<FileEntry> entries_;
  std::size_t next_entry_ = 0;
  UniqueFd file_;             // the file being deflated
  std::uint64_t file_left_ = 0;  // its bytes still to read
  bool finished_ = false;
};

// One entry of an archive to unpack, and where it goes.
struct UnpackItem {
  const archive::ZipEntry* entry;
  ProjectPath path;
};
struct UnpackPlan {
  std::vector<UnpackItem> items;                          // folders first, then files, in archive order
  std::vector<std::pair<std::string, std::string>> skipped;  // name, why (symlinks, __MACOSX/)
};
// invalid_path naming the entry when any name is not a path inside `folder`
// (.., absolute, NUL, invalid UTF-8, overlong): nothing is unpacked then.
// Backslashes are taken as separators (archives made on Windows).
Result<UnpackPlan> plan_unpack(const archive::ZipReader& reader, const ProjectPath& folder);

}  // namespace berth::workspace
