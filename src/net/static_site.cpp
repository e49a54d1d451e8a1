#include "net/static_site.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/digest.hpp"

namespace berth::net {
namespace fs = std::filesystem;

namespace {

// A built site is a few megabytes; more means the setting names the wrong
// folder, and reading it whole into memory would be a mistake.
constexpr std::uint64_t kMaxSiteBytes = 256ull << 20;

// Monaco sets styles from script and runs its language services in a worker
// of its own file; nothing else the IDE needs comes from another origin.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'; object-src 'none'";

const char* kNotBuiltPage =
    "<!doctype html><html lang=en><meta charset=utf-8><title>Berth</title>"
    "<body style=\"font-family:sans-serif;max-width:40em;margin:4em auto\"><h1>Berth is running</h1>"
    "<p>The web IDE is not built, so there is nothing to show here. Build it with <code>make run</code> "
    "(or <code>cmake --build --preset default</code>), or point <code>BERTH_WEB_DIR</code> at a built copy, "
    "then restart <code>berth serve</code>.</p><p>The API is at <code>/api/v1</code> and Socket.IO at "
    "<code>/socket.io/</code>.</p></body></html>";

bool is_hashed_asset(std::string_view path) { return path.starts_with("/assets/"); }

}  // namespace

std::string_view content_type_for(std::string_view name) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},   {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},           {".map", "application/json"},
      {".svg", "image/svg+xml"},               {".png", "image/png"},
      {".ico", "image/x-icon"},                {".ttf", "font/ttf"},
      {".woff", "font/woff"},                  {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},   {".wasm", "application/wasm"},
  };
  for (const auto& [ext, type] : kTypes)
    if (name.ends_with(ext)) return type;
  return "application/octet-stream";
}

Result<std::unique_ptr<StaticSite>> StaticSite::load(const std::string& dir, std::vector<std::string> api_prefixes) {
  auto site = std::unique_ptr<StaticSite>(new StaticSite);
  site->api_prefixes_ = std::move(api_prefixes);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return site;
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec), end;
  if (ec) return make_error("config_invalid", "cannot read the web IDE folder " + dir + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) return make_error("config_invalid", "cannot read the web IDE folder " + dir + ": " + ec.message());
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (!in) return make_error("config_invalid", "cannot read " + it->path().string());
    File file;
    file.body = std::move(bytes).str();
    site->total_bytes_ += file.body.size();
    if (site->total_bytes_ > kMaxSiteBytes)
      return make_error("config_invalid", "BERTH_WEB_DIR " + dir + " holds more than 256 MiB: is it the built web IDE?");
    auto url = "/" + fs::relative(it->path(), dir).generic_string();
    file.content_type = std::string(content_type_for(url));
    Digest digest;
    digest.update(file.body);
    file.etag = "\"" + digest.hex().substr(0, 32) + "\"";
    site->files_.emplace(std::move(url), std::move(file));
  }
  return site;
}

HttpResponse StaticSite::serve(const std::string& path, const File& file, const HttpRequest& req) const {
  HttpResponse res;
  res.with_header("ETag", file.etag);
  // Hashed names never change content: cache them for good. Everything
  // else (index.html) is checked each time, so a new build shows at once.
  res.with_header("Cache-Control", is_hashed_asset(path) ? "public, max-age=31536000, immutable" : "no-cache");
  res.with_header("X-Content-Type-Options", "nosniff");
  if (file.content_type.starts_with("text/html")) {
    res.with_header("Content-Security-Policy", kContentSecurityPolicy);
    res.with_header("Referrer-Policy", "same-origin");
  }
  if (req.header("If-None-Match") == file.etag) {
    res.status = 304;
    res.content_type.clear();
    return res;
  }
  res.content_type = file.content_type;
  res.body = file.body;
  return res;
}

HttpResponse StaticSite::answer(const HttpRequest& req) const {
  for (const auto& prefix : api_prefixes_)
    if (req.path == prefix || req.path.starts_with(prefix + "/"))
      return error_response(404, "not_found", "no route for " + req.path);
  if (auto file = files_.find(req.path); file != files_.end()) return serve(file->first, file->second, req);
  // A missing asset is a stale page asking for a file of an older build: a
  // 404, never index.html parsed as script.
  if (!is_hashed_asset(req.path)) {
    if (auto index = files_.find(std::string_view("/index.html")); index != files_.end())
      return serve(index->first, index->second, req);
  }
  HttpResponse res = error_response(404, "not_found", "no such file " + req.path);
  if (files_.empty()) {
    res.content_type = "text/html; charset=utf-8";
    res.body = kNotBuiltPage;
  }
  return res;
}

}  // namespace berth::net
