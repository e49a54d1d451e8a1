#pragma once
// Where project files are durable: an object store (DESIGN §1, §6). The
// workspace writes a file into the mirror directory first and then hands it
// to an ObjectStore; opening a project lists and downloads from it.
//
// Keys are the logical names `<ownerId>/<projectId>/<path>` (storage/layout.hpp),
// any UTF-8 a file name may hold. Each backend maps them to what it can
// store (Supabase refuses many bytes: supabase/key_codec.hpp) and back, so a
// caller never sees an escaped key.
//
// Every call is awaitable and never blocks an I/O thread: the local store
// runs its file work on the WorkerPool, the Supabase store is network I/O.
// Errors carry catalogue codes: not_found, conflict (move/copy onto an
// existing key), too_large, invalid_path (a key the backend cannot hold),
// storage_unavailable (down, refusing our key, answering garbage).
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace berth::storage {

struct ObjectInfo {
  std::string key;  // logical key
  std::uint64_t size = 0;
  std::string etag;  // the backend's: a content hash, opaque to callers
  std::string content_type;
  std::int64_t modified_ms = 0;  // milliseconds since the epoch
};

// What to upload: bytes in memory, or a file streamed from disk.
struct PutSource {
  std::string bytes;
  std::string file;  // when set, `bytes` is ignored
  std::string content_type = "application/octet-stream";

  static PutSource from_bytes(std::string b, std::string type = "application/octet-stream") {
    return PutSource{std::move(b), {}, std::move(type)};
  }
  static PutSource from_file(std::string path, std::string type = "application/octet-stream") {
    return PutSource{{}, std::move(path), std::move(type)};
  }
};

struct PutResult {
  std::uint64_t size = 0;
  std::string sha256;  // hex of the bytes actually stored, hashed as they streamed
  std::string etag;
  // False when the source file changed while it was read (a process in the
  // container writing to it): the stored bytes are whatever was read and
  // must not be trusted as any version — queue the path again.
  bool stable = true;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // "local store in ./data/objects" / "Supabase Storage at https://… (bucket …)".
  virtual std::string describe() const = 0;
  // Start-up: create what is missing (the bucket) and read the limits.
  // Fails with a message that says what to fix.
  virtual boost::asio::awaitable<Status> prepare() = 0;
  // For /readyz: does the store answer?
  virtual boost::asio::awaitable<Status> check() = 0;
  // The largest object the store accepts (the smallest of its limits).
  virtual std::uint64_t max_object_size() const = 0;
  // invalid_path when the backend could never store this key (too long
  // once escaped): callers check at write time, not at upload time.
  virtual Status validate_key(const std::string& key) const = 0;

  // Creates or overwrites.
  virtual boost::asio::awaitable<Result<PutResult>> put(std::string key, PutSource source) = 0;
  // The whole object, refused with too_large past `max_bytes`.
  virtual boost::asio::awaitable<Result<std::string>> get(std::string key, std::uint64_t max_bytes = 64 << 20) = 0;
  // Streams the object into `path` (written to a temporary file beside it,
  // fsynced, then renamed over it: no half file is ever visible).
  virtual boost::asio::awaitable<Result<ObjectInfo>> get_to_file(std::string key, std::string path) = 0;
  virtual boost::asio::awaitable<Result<ObjectInfo>> head(std::string key) = 0;
  // A missing key is not an error (deleting is idempotent).
  virtual boost::asio::awaitable<Status> remove(std::string key) = 0;
  // Deletes in batches; returns how many objects existed and are gone.
  virtual boost::asio::awaitable<Result<std::size_t>> remove_many(std::vector<std::string> keys) = 0;
  // Every object under `prefix` (recursive, sorted by key, all pages).
  virtual boost::asio::awaitable<Result<std::vector<ObjectInfo>>> list(std::string prefix) = 0;
  // Overwrites the destination; not_found when the source is missing.
  virtual boost::asio::awaitable<Status> copy(std::string from, std::string to) = 0;
  virtual boost::asio::awaitable<Status> move(std::string from, std::string to) = 0;
};

}  // namespace berth::storage
