#include "docker/frame_demuxer.hpp"

namespace berth::docker {

bool FrameDemuxer::feed(std::string_view bytes, const Sink& sink) {
  while (!bytes.empty()) {
    if (remaining_ == 0) {
      // Collect the 8-byte header, which may straddle reads.
      std::size_t take = std::min(bytes.size(), sizeof header_ - header_len_);
      for (std::size_t i = 0; i < take; ++i) header_[header_len_ + i] = static_cast<unsigned char>(bytes[i]);
      header_len_ += take;
      bytes.remove_prefix(take);
      if (header_len_ < sizeof header_) return true;
      header_len_ = 0;
      if (header_[0] > 3 || header_[1] != 0 || header_[2] != 0 || header_[3] != 0) return false;
      current_ = static_cast<StreamId>(header_[0]);
      remaining_ = (std::uint32_t(header_[4]) << 24) | (std::uint32_t(header_[5]) << 16) |
                   (std::uint32_t(header_[6]) << 8) | std::uint32_t(header_[7]);
      continue;  // a zero-length frame is legal: read the next header
    }
    std::size_t take = std::min<std::size_t>(bytes.size(), remaining_);
    sink(current_, bytes.substr(0, take));
    remaining_ -= std::uint32_t(take);
    bytes.remove_prefix(take);
  }
  return true;
}

}  // namespace berth::docker
