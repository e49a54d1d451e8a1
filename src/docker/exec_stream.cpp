#include "docker/exec_stream.hpp"

#include "net/http_client.hpp"

namespace berth::docker {

ExecStream::ExecStream(std::string exec_id, bool tty, std::unique_ptr<net::RawStream> raw)
    : exec_id_(std::move(exec_id)), tty_(tty), raw_(std::move(raw)), buffer_(1 << 16, '\0') {}

ExecStream::~ExecStream() = default;

boost::asio::awaitable<Result<OutputChunk>> ExecStream::read() {
  while (ready_.empty()) {
    auto n = co_await raw_->read_some(buffer_.data(), buffer_.size());
    if (!n) co_return n.error();
    if (*n == 0) co_return OutputChunk{StreamId::stdout_, {}, true};
    std::string_view bytes(buffer_.data(), *n);
    if (tty_) co_return OutputChunk{StreamId::stdout_, std::string(bytes), false};
    bool framed = demuxer_.feed(bytes, [&](StreamId id, std::string_view piece) {
      // Consecutive pieces of one stream merge, so a flood of small frames costs few wakeups.
      if (!ready_.empty() && ready_.back().stream == id)
        ready_.back().data.append(piece);
      else
        ready_.push_back(OutputChunk{id, std::string(piece), false});
    });
    if (!framed) co_return make_error("internal", "the exec's output is not in Docker's framing");
  }
  auto chunk = std::move(ready_.front());
  ready_.pop_front();
  co_return chunk;
}

boost::asio::awaitable<Status> ExecStream::write(std::string_view input) { co_return co_await raw_->write(input); }

void ExecStream::close_input() { raw_->shutdown_write(); }

void ExecStream::close() { raw_->close(); }

}  // namespace berth::docker
