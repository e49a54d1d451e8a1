#include "core/digest.hpp"

#include <openssl/evp.h>

#include <stdexcept>

#include "core/encoding.hpp"

namespace berth {

struct Digest::Impl {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Digest::Digest(Kind kind) : impl_(std::make_unique<Impl>()), kind_(kind) {
  if (!impl_->ctx) throw std::bad_alloc();
  reset();
}
Digest::~Digest() = default;
Digest::Digest(Digest&&) noexcept = default;
Digest& Digest::operator=(Digest&&) noexcept = default;

void Digest::reset() {
  EVP_DigestInit_ex(impl_->ctx, kind_ == Kind::sha256 ? EVP_sha256() : EVP_md5(), nullptr);
}

void Digest::update(std::string_view bytes) { EVP_DigestUpdate(impl_->ctx, bytes.data(), bytes.size()); }

std::string Digest::hex() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, out, &len);
  reset();
  return hex_encode(std::string_view(reinterpret_cast<char*>(out), len));
}

}  // namespace berth
