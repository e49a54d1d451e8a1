#include "workspace/project_archive.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "workspace/ignore_rules.hpp"

namespace berth::workspace {

namespace {
constexpr std::size_t kReadPiece = 256 << 10;
constexpr std::size_t kMaxArchiveEntries = 1'000'000;
constexpr std::uint64_t kMaxIgnoreFile = 1 << 20;

IgnoreRules rules_of(const ProjectFiles& files) {
  auto path = parse_project_path(".berthignore");
  auto text = path ? files.read(*path, kMaxIgnoreFile) : Result<FileContent>(make_error("not_found", ""));
  return text ? IgnoreRules::with_file(text->bytes) : IgnoreRules::defaults();
}
}  // namespace

ProjectZip::ProjectZip(const ProjectFiles& files, ProjectPath folder, bool force_zip64)
    : files_(files), folder_(std::move(folder)), zip_(archive::ZipWriter::Options{1, force_zip64}) {}

Status ProjectZip::start() {
  if (!folder_.is_root()) {
    auto at = files_.stat(folder_, false);
    if (!at) return at.error();
    if (at->kind != "dir") return make_error("bad_request", folder_.str() + " is not a folder");
  }
  auto rules = rules_of(files_);
  ProjectFiles::Skip skip = [&rules](const std::string& path, bool is_dir) { return rules.ignored(path, is_dir); };
  auto listed = files_.list(folder_, true, kMaxArchiveEntries, skip, false);
  if (!listed) return listed.error();
  entries_ = std::move(*listed);
  return Ok{};
}

std::string ProjectZip::name_in_archive(const std::string& project_path) const {
  return folder_.is_root() ? project_path : project_path.substr(folder_.str().size() + 1);
}

Status ProjectZip::add_next_entry() {
  const auto& e = entries_[next_entry_++];
  auto path = parse_project_path(e.path);
  if (!path) return path.error();
  auto name = name_in_archive(e.path);
  auto mtime = e.mtime_ms / 1000;
  if (e.kind == "dir") {
    zip_.add_directory(name, mtime, 0755);
  } else if (e.kind == "symlink") {
    auto target = files_.link_target(*path);
    if (target) zip_.add_symlink(name, *target, mtime);
  } else {
    struct stat st {};
    auto fd = files_.open_file(*path, &st);
    if (!fd) return fd.error().code == "not_found" ? Status(Ok{}) : Status(fd.error());  // removed meanwhile
    zip_.begin_file(name, st.st_mtime, st.st_mode, std::uint64_t(st.st_size));
    file_ = std::move(*fd);
    file_left_ = std::uint64_t(st.st_size);
  }
  return Ok{};
}

Result<std::string> ProjectZip::next(std::size_t want) {
  std::string buffer;
  while (zip_.pending_bytes() < want && !finished_) {
    if (file_) {
      // At most the size it had when opened: the entry's zip64 choice was
      // made for that size. A file that shrank ends where it ends.
      buffer.resize(std::size_t(std::min<std::uint64_t>(file_left_, kReadPiece)));
      ssize_t n = buffer.empty() ? 0 : ::read(file_.get(), buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return make_error("internal", "cannot read a file for the archive: " + std::string(std::strerror(errno)));
      zip_.write(std::string_view(buffer.data(), std::size_t(n)));
      file_left_ -= std::uint64_t(n);
      if (n == 0 || file_left_ == 0) {
        zip_.end_file();
        file_.reset();
      }
    } else if (next_entry_ < entries_.size()) {
      if (auto added = add_next_entry(); !added) return added.error();
    } else {
      zip_.finish();
      finished_ = true;
    }
  }
  return zip_.take();
}

Result<UnpackPlan> plan_unpack(const archive::ZipReader& reader, const ProjectPath& folder) {
  UnpackPlan plan;
  std::vector<UnpackItem> files;
  for (const auto& e : reader.entries()) {
    std::string name = e.name;
    std::replace(name.begin(), name.end(), '\\', '/');
    while (name.ends_with("/")) name.pop_back();
    if (name.empty()) continue;  // "/" or "./": the folder itself
    if (name == "__MACOSX" || name.starts_with("__MACOSX/")) {  // Finder's resource forks, not the user's files
      if (name == "__MACOSX") plan.skipped.emplace_back(e.name, "macOS metadata");
      continue;
    }
    auto path = parse_project_path(folder.is_root() ? name : folder.str() + "/" + name);
    if (!path) return make_error("invalid_path", "the archive entry \"" + e.name + "\" is not a path inside the folder (" +
                                                     path.error().message + "): nothing was unpacked");
    if (e.kind == archive::ZipEntry::Kind::symlink) {
      plan.skipped.emplace_back(e.name, "symbolic links are not unpacked");
      continue;
    }
    (e.kind == archive::ZipEntry::Kind::directory ? plan.items : files).push_back(UnpackItem{&e, std::move(*path)});
  }
  for (auto& f : files) plan.items.push_back(std::move(f));
  return plan;
}

}  // namespace berth::workspace
