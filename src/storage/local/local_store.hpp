#pragma once
// The embedded default object store: a directory under the data dir
// (`<data>/objects`), so `make run` needs no other service.
//
// Layout: the key `a/b/c.txt` is the file `a/b/c.txt.obj`. The suffix keeps
// an object and a "folder" of the same name apart (`a` and `a/b` may both be
// objects, as in any object store), and lets a listing skip temporary files.
// Each object file starts with a small header (magic, content type, SHA-256
// of the body) so that one atomic rename publishes bytes and metadata
// together: temp file, fsync, rename, directory fsync — a crash leaves the
// old object or the new one, never a mix. The etag is the SHA-256.
//
// All file work runs on the WorkerPool.
#include <string>

#include "core/worker_pool.hpp"
#include "storage/object_store.hpp"

namespace berth::storage::local {

class LocalStore final : public ObjectStore {
 public:
  LocalStore(std::string root, WorkerPool& workers, std::uint64_t max_object_size = std::uint64_t(50) << 20);

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

 private:
  std::string root_;
  WorkerPool& workers_;
  std::uint64_t max_object_size_;
};

}  // namespace berth::storage::local
