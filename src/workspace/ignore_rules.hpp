#pragma once
// Which paths stay local to the mirror (DESIGN §6): never uploaded, never
// removed by an open, never watched. The defaults are the folders a
// package manager or compiler fills (node_modules/, .venv/, __pycache__/,
// target/); a project adds its own in a `.berthignore` at its root, in
// gitignore syntax (`#` comments, `!` re-includes, a trailing `/` for
// folders only, a leading or inner `/` anchors to the root, `*`, `?`, `**`).
// Pure: parsing and matching, no I/O.
#include <string>
#include <string_view>
#include <vector>

namespace berth::workspace {

class IgnoreRules {
 public:
  static IgnoreRules defaults();
  // The defaults followed by the rules of a .berthignore (later lines win).
  static IgnoreRules with_file(std::string_view berthignore);

  // `path` is project-relative; `is_dir` whether it names a folder. A path
  // below an ignored folder is ignored too.
  bool ignored(std::string_view path, bool is_dir) const;

 private:
  struct Rule {
    std::string pattern;
    bool negate = false;
    bool dir_only = false;
    bool anchored = false;  // matched against the whole path, not each name
  };
  void add_line(std::string_view line);
  bool matches_one(std::string_view path, bool is_dir) const;

  std::vector<Rule> rules_;
};

}  // namespace berth::workspace
