#include "terminal/scrollback_ring.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace berth::terminal {

namespace {

// How many leading bytes are ASCII other than ESC: in the parser's ground
// state each of them ends at a boundary and changes nothing, so a flood of
// plain text (a build log, base64) skips the byte-by-byte parser. Eight
// bytes at a time.
std::size_t plain_prefix(const unsigned char* p, std::size_t n) {
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL, kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kEscs = 0x1B1B1B1B1B1B1B1BULL;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    std::uint64_t x = w ^ kEscs;  // a zero byte where w holds an ESC
    if ((w & kHigh) || ((x - kOnes) & ~x & kHigh)) break;
  }
  while (i < n && p[i] < 0x80 && p[i] != 0x1B) ++i;
  return i;
}

}  // namespace

ScrollbackRing::ScrollbackRing(std::size_t capacity)
    : buffer_(capacity, '\0'), spacing_(std::clamp<std::size_t>(capacity / 64, 1, 256)) {
  if (capacity == 0) throw std::invalid_argument("a scrollback ring needs a capacity");
}

void ScrollbackRing::append(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  for (std::size_t i = 0; i < bytes.size();) {
    if (boundary_.at_boundary()) {
      if (std::size_t run = plain_prefix(p + i, bytes.size() - i); run > 0) {
        // Every byte of the run ends at a boundary: the safe points the
        // byte-by-byte rule below would take, taken at once.
        std::uint64_t last = end_ + run;
        for (std::uint64_t at = std::max(end_ + 1, safe_points_.back() + spacing_); at <= last; at += spacing_)
          safe_points_.push_back(at);
        end_ = last;
        i += run;
        continue;
      }
    }
    boundary_.feed(p[i++]);
    ++end_;
    if (boundary_.at_boundary() && end_ - safe_points_.back() >= spacing_) safe_points_.push_back(end_);
  }
  // Only the last capacity() bytes can stay: copy those, in at most two runs.
  std::size_t cap = buffer_.size();
  if (bytes.size() >= cap) {
    bytes.remove_prefix(bytes.size() - cap);
    std::copy(bytes.begin(), bytes.end(), buffer_.begin());
    head_ = 0;
    size_ = cap;
  } else {
    std::size_t tail = (head_ + size_) % cap;
    std::size_t first = std::min(bytes.size(), cap - tail);
    std::copy_n(bytes.begin(), first, buffer_.begin() + std::ptrdiff_t(tail));
    std::copy(bytes.begin() + std::ptrdiff_t(first), bytes.end(), buffer_.begin());
    std::size_t grown = size_ + bytes.size();
    if (grown > cap) {
      head_ = (head_ + (grown - cap)) % cap;
      grown = cap;
    }
    size_ = grown;
  }
  // A safe point whose byte was dropped can no longer start a replay; the
  // newest one always stays (it may be end_ itself).
  while (safe_points_.size() > 1 && safe_points_.front() < start_offset()) safe_points_.pop_front();
}

ScrollbackRing::Snapshot ScrollbackRing::snapshot() const {
  Snapshot s;
  // No safe point left inside the ring (one sequence longer than the ring):
  // an empty replay; live output goes on from the end.
  std::uint64_t from = safe_points_.front() >= start_offset() ? safe_points_.front() : end_;
  s.offset = from;
  std::size_t skip = std::size_t(from - start_offset());
  std::size_t n = size_ - skip;
  s.bytes.reserve(n);
  std::size_t cap = buffer_.size();
  std::size_t begin = (head_ + skip) % cap;
  std::size_t first = std::min(n, cap - begin);
  s.bytes.append(buffer_, begin, first);
  s.bytes.append(buffer_, 0, n - first);
  return s;
}

}  // namespace berth::terminal
