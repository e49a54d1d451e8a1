#pragma once
// The starter templates shipped in templates/ and compiled into the binary.
#include <string_view>
#include <vector>

namespace berth::app {

struct TemplateFile {
  std::string_view template_id;  // the folder under templates/: blank, node …
  std::string_view path;         // inside the template: "src/main.py"
  std::string_view bytes;
};

const std::vector<TemplateFile>& builtin_template_files();

}  // namespace berth::app
