#include "docker/image_recipes.hpp"

#include <algorithm>
#include <sstream>

#include "docker/tar_writer.hpp"

namespace berth::docker {

std::vector<std::string> image_changes(const std::string& kind) {
  return {
      "USER 1000",
      "WORKDIR /workspace",
      "ENV HOME=/home/user",
      "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "ENV LANG=C.UTF-8",
      R"(CMD ["sleep", "infinity"])",
      "LABEL io.berth.image=" + kind,
  };
}

Result<std::string> busybox_rootfs_tar(const std::string& busybox, const std::vector<std::string>& applets) {
  if (busybox.size() < 1024) return make_error("bad_request", "the busybox binary looks empty");
  TarWriter tar;
  TarWriter::Owner user{kContainerUid, kContainerUid};
  for (const char* dir : {"bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "dev", "proc", "sys", "home", "root"})
    if (auto s = tar.add_directory(dir); !s) return s.error();
  if (auto s = tar.add_directory("tmp", 01777); !s) return s.error();
  if (auto s = tar.add_directory("home/user", 0755, user); !s) return s.error();
  if (auto s = tar.add_directory("workspace", 0755, user); !s) return s.error();
  if (auto s = tar.add_file("bin/busybox", busybox, 0755); !s) return s.error();
  for (auto& applet : applets) {
    if (applet.empty() || applet == "busybox" || applet.find('/') != std::string::npos) continue;
    if (auto s = tar.add_symlink("bin/" + applet, "busybox"); !s) return s.error();
  }
  if (auto s = tar.add_symlink("usr/bin/env", "/bin/busybox"); !s) return s.error();  // for #! lines
  if (auto s = tar.add_file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n");
      !s)
    return s.error();
  if (auto s = tar.add_file("etc/group", "root:x:0:\nuser:x:1000:\n"); !s) return s.error();
  return tar.finish();
}

namespace {
std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}
bool is_http(const std::string& uri) { return uri.rfind("http://", 0) == 0 || uri.rfind("https://", 0) == 0; }
}  // namespace

std::optional<std::string> apt_mirror_for(const std::vector<std::string>& deb822_texts,
                                          const std::vector<std::string>& list_texts, const std::string& suite) {
  for (auto& text : deb822_texts) {
    // Stanzas are separated by blank lines; fields are "Name: value".
    std::istringstream in(text + "\n\n");
    std::string line, types, uris, suites;
    bool enabled = true;
    auto stanza_done = [&]() -> std::optional<std::string> {
      std::optional<std::string> hit;
      auto t = words(types);
      bool deb = std::find(t.begin(), t.end(), "deb") != t.end();
      auto s = words(suites);
      if (enabled && deb && std::find(s.begin(), s.end(), suite) != s.end())
        for (auto& u : words(uris))
          if (is_http(u)) {
            hit = u;
            break;
          }
      types.clear(), uris.clear(), suites.clear();
      enabled = true;
      return hit;
    };
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) {
        if (auto hit = stanza_done()) return hit;
        continue;
      }
      if (line[0] == '#') continue;
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      auto key = line.substr(0, colon);
      auto value = line.substr(colon + 1);
      if (key == "Types")
        types = value;
      else if (key == "URIs")
        uris = value;
      else if (key == "Suites")
        suites = value;
      else if (key == "Enabled")
        enabled = words(value) != std::vector<std::string>{"no"};
    }
  }
  for (auto& text : list_texts) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      auto w = words(line.substr(0, line.find('#')));
      if (w.size() < 3 || w[0] != "deb") continue;
      std::size_t i = 1;
      if (w[i].front() == '[') {  // [arch=amd64 signed-by=...]
        while (i < w.size() && w[i].back() != ']') ++i;
        ++i;
      }
      if (i + 1 < w.size() && is_http(w[i]) && w[i + 1] == suite) return w[i];
    }
  }
  return std::nullopt;
}

std::vector<std::string> workspace_bootstrap_packages() { return {"ca-certificates"}; }

std::vector<std::string> workspace_packages() {
  return {"bash",    "coreutils",    "procps", "less", "ca-certificates", "curl", "git",
          "python3", "python3-venv", "nodejs", "npm",  "build-essential"};
}

std::vector<ChrootStep> workspace_chroot_steps(const std::vector<std::string>& packages) {
  std::string list;
  for (auto& p : packages) list += " " + p;
  return {
      {"apt-get update", "apt-get update"},
      {"apt-get install", "apt-get install -y --no-install-recommends -o Dpkg::Use-Pty=0" + list},
      {"setup", "useradd --create-home --uid " + std::to_string(kContainerUid) +
                    " --user-group --shell /bin/bash user && mkdir -p /workspace && chown " +
                    std::to_string(kContainerUid) + ":" + std::to_string(kContainerUid) + " /workspace"},
      {"clean", "apt-get clean && rm -rf /var/lib/apt/lists/*"},
  };
}

std::vector<std::string> workspace_chroot_env() {
  return {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root",
          "DEBIAN_FRONTEND=noninteractive", "LC_ALL=C.UTF-8"};
}

}  // namespace berth::docker
