#pragma once
// The hijacked connection of a started exec: input goes in as raw bytes,
// output comes out as chunks tagged stdout/stderr. With a TTY Docker sends
// the terminal's bytes raw (all "stdout"); without one it frames them
// (FrameDemuxer). Closing the stream does not end the process (DESIGN §11):
// use DockerClient::kill_exec_process for that.
#include <boost/asio/awaitable.hpp>
#include <deque>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "docker/frame_demuxer.hpp"

namespace berth::net {
class RawStream;
}

namespace berth::docker {

struct OutputChunk {
  StreamId stream = StreamId::stdout_;
  std::string data;  // empty with eof: the process closed its output
  bool eof = false;
};

class ExecStream {
 public:
  ExecStream(std::string exec_id, bool tty, std::unique_ptr<net::RawStream> raw);
  ~ExecStream();

  const std::string& exec_id() const { return exec_id_; }
  bool tty() const { return tty_; }

  // The next piece of output, or eof. One read in flight at a time.
  boost::asio::awaitable<Result<OutputChunk>> read();
  boost::asio::awaitable<Status> write(std::string_view input);
  void close_input();  // EOF on the process's stdin
  void close();        // drops the connection (the process keeps running)

 private:
  std::string exec_id_;
  bool tty_;
  std::unique_ptr<net::RawStream> raw_;
  FrameDemuxer demuxer_;
  std::deque<OutputChunk> ready_;
  std::string buffer_;
};

}  // namespace berth::docker
