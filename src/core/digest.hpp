#pragma once
// Incremental content hashes for bytes that stream (uploads, downloads):
// the hash of a file is taken from the very bytes sent or received, never
// from a second read that could see different content.
#include <memory>
#include <string>
#include <string_view>

namespace berth {

class Digest {
 public:
  enum class Kind { sha256, md5 };  // md5: what S3-like stores use as etag
  explicit Digest(Kind kind = Kind::sha256);
  ~Digest();
  Digest(Digest&&) noexcept;
  Digest& operator=(Digest&&) noexcept;

  void update(std::string_view bytes);
  std::string hex();  // finishes; the digest then starts over
  void reset();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Kind kind_;
};

}  // namespace berth
