#include "api/rest/staged_upload.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <vector>

#include "core/atomic_file.hpp"
#include "core/encoding.hpp"
#include "core/unique_fd.hpp"

namespace berth::api {

StagedFile::~StagedFile() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

namespace {
constexpr std::size_t kPiece = 256 << 10;

Error over(std::uint64_t limit, const std::string& what_limit) {
  return make_error("too_large", "the upload is over " + what_limit + " (" + std::to_string(limit) + " bytes)");
}
}  // namespace

boost::asio::awaitable<Result<StagedFile>> receive_to_staging(ApiContext& ctx, net::BodyReader& body,
                                                              const std::string& staging_dir, std::uint64_t limit,
                                                              const std::string& what_limit) {
  if (auto declared = body.length(); declared && *declared > limit) co_return over(limit, what_limit);
  StagedFile staged(staging_dir + "/" + hex_encode(random_bytes(8)) + ".upload");
  UniqueFd out(::open(staged.path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out) co_return file_error(errno, "the upload's staging file");
  std::vector<char> piece(kPiece);
  for (;;) {
    auto n = co_await body.read(piece);
    if (!n) co_return n.error();
    if (*n == 0) break;
    staged.size += *n;
    if (staged.size > limit) co_return over(limit, what_limit);
    auto written = co_await ctx.workers.run([&]() -> Status {
      for (std::size_t done = 0; done < *n;) {
        ssize_t w = ::write(out.get(), piece.data() + done, *n - done);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return file_error(errno, "the upload's staging file");
        done += std::size_t(w);
      }
      return Ok{};
    });
    if (!written) co_return written.error();
  }
  co_return std::move(staged);
}

}  // namespace berth::api
