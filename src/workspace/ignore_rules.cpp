#include "workspace/ignore_rules.hpp"

#include <fnmatch.h>

namespace berth::workspace {

namespace {

const char* kDefaults[] = {"node_modules/", ".venv/", "__pycache__/", "target/"};

bool glob(const std::string& pattern, const std::string& text, bool pathname) {
  return ::fnmatch(pattern.c_str(), text.c_str(), pathname ? FNM_PATHNAME : 0) == 0;
}

// `**/` and `/**` as gitignore means them: any number of folders.
bool glob_path(const std::string& pattern, const std::string& path) {
  if (glob(pattern, path, true)) return true;
  auto at = pattern.find("**");
  if (at == std::string::npos) return false;
  std::string head = pattern.substr(0, at), tail = pattern.substr(at + 2);
  if (tail.starts_with("/")) tail.erase(0, 1);
  auto boundary = [&](std::size_t cut) { return cut == 0 || cut == path.size() || path[cut - 1] == '/'; };
  // head matches a prefix of whole folders; `**` then takes any number of
  // whole folders (none too), and tail must match what is left (or nothing).
  for (std::size_t cut = 0; cut <= path.size(); ++cut) {
    if (!boundary(cut)) continue;
    if (head.empty() ? cut != 0 : !glob(head, path.substr(0, cut), true)) continue;
    if (tail.empty()) return true;
    for (std::size_t rest = cut; rest <= path.size(); ++rest)
      if ((rest == cut || path[rest - 1] == '/') && glob_path(tail, path.substr(rest))) return true;
  }
  return false;
}

}  // namespace

IgnoreRules IgnoreRules::defaults() {
  IgnoreRules r;
  for (const char* line : kDefaults) r.add_line(line);
  return r;
}

IgnoreRules IgnoreRules::with_file(std::string_view text) {
  IgnoreRules r = defaults();
  while (!text.empty()) {
    auto nl = text.find('\n');
    r.add_line(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  }
  return r;
}

void IgnoreRules::add_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  while (!line.empty() && line.back() == ' ' && !(line.size() > 1 && line[line.size() - 2] == '\\'))
    line.remove_suffix(1);
  if (line.empty() || line.front() == '#') return;
  Rule rule;
  if (line.front() == '!') rule.negate = true, line.remove_prefix(1);
  if (line.starts_with("\\#") || line.starts_with("\\!")) line.remove_prefix(1);
  if (!line.empty() && line.back() == '/') rule.dir_only = true, line.remove_suffix(1);
  if (line.empty()) return;
  if (line.find('/') != std::string_view::npos) rule.anchored = true;
  if (line.front() == '/') line.remove_prefix(1);
  if (line.starts_with("**/")) rule.anchored = line.substr(3).find('/') != std::string_view::npos;
  if (line.starts_with("**/") && !rule.anchored) line.remove_prefix(3);
  rule.pattern = std::string(line);
  rules_.push_back(std::move(rule));
}

bool IgnoreRules::matches_one(std::string_view path, bool is_dir) const {
  bool ignored = false;
  std::string p(path);
  auto slash = p.rfind('/');
  std::string name = slash == std::string::npos ? p : p.substr(slash + 1);
  for (auto& rule : rules_) {
    if (rule.dir_only && !is_dir) continue;
    bool hit = rule.anchored ? glob_path(rule.pattern, p) : glob(rule.pattern, name, false);
    if (hit) ignored = !rule.negate;
  }
  return ignored;
}

bool IgnoreRules::ignored(std::string_view path, bool is_dir) const {
  if (path.empty()) return false;
  // Every ancestor folder first: below an ignored folder nothing comes back
  // (as in git, a `!` cannot re-include a file whose folder is excluded).
  for (std::size_t at = path.find('/'); at != std::string_view::npos; at = path.find('/', at + 1))
    if (matches_one(path.substr(0, at), true)) return true;
  return matches_one(path, is_dir);
}

}  // namespace berth::workspace
