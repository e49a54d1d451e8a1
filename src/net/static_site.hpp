#pragma once
// The web IDE's built files (DESIGN §1): a directory read once at start and
// answered from memory, so serving a page never touches the disk or blocks
// the event loop. A GET for a path that is not a file answers index.html
// (the IDE routes in the browser), except under the prefixes that belong to
// the API, which keep their JSON 404.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "net/http_types.hpp"

namespace berth::net {

class StaticSite {
 public:
  // Reads every regular file beneath `dir` (symlinks are not followed). A
  // missing directory gives an empty site, whose pages say how to build it.
  static Result<std::unique_ptr<StaticSite>> load(const std::string& dir,
                                                  std::vector<std::string> api_prefixes);

  // For GET and HEAD requests no route took.
  HttpResponse answer(const HttpRequest& req) const;

  std::size_t file_count() const { return files_.size(); }
  std::uint64_t total_bytes() const { return total_bytes_; }
  bool has_index() const { return files_.contains("/index.html"); }

 private:
  struct File {
    std::string content_type;
    std::string etag;
    std::string body;
  };
  HttpResponse serve(const std::string& path, const File& file, const HttpRequest& req) const;

  std::map<std::string, File, std::less<>> files_;  // by URL path, "/assets/app-1a2b.js"
  std::vector<std::string> api_prefixes_;
  std::uint64_t total_bytes_ = 0;
};

// The media type for a file name's extension; application/octet-stream otherwise.
std::string_view content_type_for(std::string_view file_name);

}  // namespace berth::net
