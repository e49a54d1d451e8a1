#pragma once
// Project files in Supabase Storage: its REST API at SUPABASE_URL/storage/v1,
// authorised with the service-role key (sent as `Authorization: Bearer` and
// as `apikey`, which the API gateway wants).
//
// What it copes with (supabase/storage v1.70, see dialect.hpp): statuses
// hidden in 400 bodies, keys the server refuses (escaped by key_codec.hpp),
// listings one level deep (walked folder by folder, every page), bulk
// deletes of exact keys only (batches of 1,000), moves that refuse an
// existing destination.
//
// Transport: a pooled keep-alive HttpPool (net/). Network errors and
// server-side failures (5xx, 429, SlowDown, DatabaseTimeout) are retried with
// exponential backoff and full jitter; client errors never are. Uploads
// stream from disk and are hashed (SHA-256 for Berth, MD5 = the server's
// etag) as they go; downloads stream into an AtomicFile.
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "core/worker_pool.hpp"
#include "net/http_pool.hpp"
#include "storage/object_store.hpp"

namespace berth::storage::supabase {

struct SupabaseOptions {
  std::string url;  // SUPABASE_URL, e.g. https://abcd.supabase.co
  std::string key;  // SUPABASE_KEY: service-role JWT or sb_secret_…
  std::string bucket = "berth-projects";
  std::uint64_t max_object_size = std::uint64_t(50) << 20;  // Berth's own limit; the bucket's may be lower
  int max_attempts = 5;
  std::chrono::milliseconds backoff_base{100};
  std::chrono::milliseconds backoff_max{5'000};
  net::PoolOptions pool;
};

class SupabaseStore final : public ObjectStore {
 public:
  // Fails (bad_config) for a malformed URL or a key that cannot work.
  static Result<std::unique_ptr<SupabaseStore>> create(boost::asio::any_io_executor executor, WorkerPool& workers,
                                                       SupabaseOptions options);

  std::string describe() const override;
  boost::asio::awaitable<Status> prepare() override;
  boost::asio::awaitable<Status> check() override;
  std::uint64_t max_object_size() const override { return max_object_size_; }
  Status validate_key(const std::string& key) const override;

  boost::asio::awaitable<Result<PutResult>> put(std::string key, PutSource source) override;
  boost::asio::awaitable<Result<std::string>> get(std::string key, std::uint64_t max_bytes) override;
  boost::asio::awaitable<Result<ObjectInfo>> get_to_file(std::string key, std::string path) override;
  boost::asio::awaitable<Result<ObjectInfo>> head(std::string key) override;
  boost::asio::awaitable<Status> remove(std::string key) override;
  boost::asio::awaitable<Result<std::size_t>> remove_many(std::vector<std::string> keys) override;
  boost::asio::awaitable<Result<std::vector<ObjectInfo>>> list(std::string prefix) override;
  boost::asio::awaitable<Status> copy(std::string from, std::string to) override;
  boost::asio::awaitable<Status> move(std::string from, std::string to) override;

  std::size_t connections_opened() const { return pool_->connections_opened(); }

 private:
  SupabaseStore(boost::asio::any_io_executor executor, WorkerPool& workers, SupabaseOptions options,
                std::unique_ptr<net::HttpPool> pool, std::string base_path);
  net::PoolRequest make(std::string method, std::string path) const;
  // Sends with retries; a non-2xx answer that is not worth retrying comes
  // back as a response for the caller to classify.
  boost::asio::awaitable<Result<net::ClientResponse>> call(std::function<net::PoolRequest()> build,
                                                           const std::string& what);
  // One folder level, every page: its files (whose names start with
  // name_prefix) and its subfolders (stored keys ending in `/`).
  boost::asio::awaitable<Status> list_folder(std::string stored_folder, std::string name_prefix,
                                             std::vector<ObjectInfo>& files, std::vector<std::string>& folders);
  std::string object_path(const std::string& key) const;

  boost::asio::any_io_executor executor_;
  WorkerPool& workers_;
  SupabaseOptions options_;
  std::unique_ptr<net::HttpPool> pool_;
  std::string base_path_;  // "/storage/v1", after any path of SUPABASE_URL
  std::uint64_t max_object_size_;
};

}  // namespace berth::storage::supabase
