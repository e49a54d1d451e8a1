#pragma once
// The recent output of one terminal, for clients that attach later (DESIGN
// §5 term:attach): the last `capacity` bytes, older ones dropped. Every byte
// has a cumulative offset (bytes the terminal ever produced before it), so a
// snapshot followed by live output from its end offset is one contiguous
// run: nothing lost, nothing repeated.
//
// A snapshot starts at a safe point (OutputBoundary): never inside a UTF-8
// or escape sequence that the ring's cut went through. Safe points are
// sampled about every spacing() bytes (capacity/64, at most 256), so a
// snapshot gives up about that much (plus the cut sequence) of what the
// ring holds, for an index of 8 bytes per spacing. Not thread-safe: the
// Terminal guards it.
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "terminal/output_boundary.hpp"

namespace berth::terminal {

class ScrollbackRing {
 public:
  struct Snapshot {
    std::string bytes;
    std::uint64_t offset = 0;  // of bytes[0]; offset + bytes.size() is end_offset() at the time
  };

  explicit ScrollbackRing(std::size_t capacity);

  void append(std::string_view bytes);
  Snapshot snapshot() const;

  std::uint64_t end_offset() const { return end_; }            // bytes ever appended
  std::uint64_t start_offset() const { return end_ - size_; }  // the oldest byte still held
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return buffer_.size(); }
  std::size_t spacing() const { return spacing_; }

 private:
  std::string buffer_;  // circular: the oldest byte at head_
  std::size_t spacing_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::uint64_t end_ = 0;
  OutputBoundary boundary_;
  std::deque<std::uint64_t> safe_points_{0};  // ascending offsets a replay may start from
};

}  // namespace berth::terminal
