#pragma once
// A streamed request body (a file upload, a zip to unpack) written to a
// file in the project's staging folder as it arrives, on the worker pool,
// bounded by `limit`. The staging folder is on the project's own disk, so
// the finished file is renamed into the mirror, never copied, and a full
// disk is the project's quota.
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>

#include "api/context.hpp"
#include "net/http_types.hpp"

namespace berth::api {

// Removes the staged file when it was not moved away.
class StagedFile {
 public:
  StagedFile() = default;
  explicit StagedFile(std::string path) : path_(std::move(path)) {}
  StagedFile(StagedFile&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  StagedFile& operator=(StagedFile&&) = delete;
  ~StagedFile();
  const std::string& path() const { return path_; }
  std::uint64_t size = 0;

 private:
  std::string path_;
};

// too_large past `limit` (what_limit names the setting in the message),
// quota_exceeded / disk_full when the disk is, bad_request / timeout when
// the body breaks off.
boost::asio::awaitable<Result<StagedFile>> receive_to_staging(ApiContext& ctx, net::BodyReader& body,
                                                              const std::string& staging_dir, std::uint64_t limit,
                                                              const std::string& what_limit);

}  // namespace berth::api
