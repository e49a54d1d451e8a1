#include "terminal/output_boundary.hpp"

namespace berth::terminal {
namespace {
constexpr unsigned char kEsc = 0x1B, kBel = 0x07, kCan = 0x18, kSub = 0x1A;
bool intermediate(unsigned char b) { return b >= 0x20 && b <= 0x2F; }
bool continuation(unsigned char b) { return (b & 0xC0) == 0x80; }
}  // namespace

void OutputBoundary::feed(unsigned char b) {
  // CAN and SUB abort any sequence; ESC starts a new one from anywhere but
  // inside a string, where it may be the first half of ST (ESC \).
  if (state_ != State::ground && (b == kCan || b == kSub)) {
    state_ = State::ground;
    return;
  }
  switch (state_) {
    case State::ground:
      if (utf8_left_ > 0) {
        if (continuation(b)) {
          --utf8_left_;
          return;
        }
        utf8_left_ = 0;  // a broken sequence ends here; this byte stands on its own
      }
      if (b == kEsc)
        state_ = State::escape;
      else if (b >= 0xC2 && b <= 0xF4)
        utf8_left_ = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : 1;
      return;  // text, controls, stray bytes: each one is complete
    case State::escape:
      if (b == '[')
        state_ = State::csi;
      else if (b == ']' || b == 'P' || b == 'X' || b == '^' || b == '_')
        state_ = State::string;
      else if (intermediate(b))
        state_ = State::escape_intermediate;
      else if (b >= 0x30 && b <= 0x7E)
        state_ = State::ground;  // ESC 7, ESC c, ESC =, …
      else if (b >= 0x80)
        state_ = State::ground;
      return;  // ESC ESC restarts; other C0 controls run inside the sequence
    case State::escape_intermediate:
      if (b == kEsc)
        state_ = State::escape;
      else if ((b >= 0x30 && b <= 0x7E) || b >= 0x80)
        state_ = State::ground;  // ESC ( B, ESC # 8, …
      return;
    case State::csi:
      if (b == kEsc)
        state_ = State::escape;
      else if ((b >= 0x40 && b <= 0x7E) || b >= 0x80)
        state_ = State::ground;  // the final byte (or garbage that aborts it)
      return;                    // parameters 0x30-0x3F, intermediates 0x20-0x2F, C0 controls
    case State::string:
      if (b == kBel)
        state_ = State::ground;  // xterm's OSC terminator
      else if (b == kEsc)
        state_ = State::string_escape;
      return;  // the string's own bytes, UTF-8 included
    case State::string_escape:
      if (b == '\\') {
        state_ = State::ground;  // ST
        return;
      }
      // ESC then anything else: the string was abandoned and a new escape
      // sequence began with that ESC.
      state_ = State::escape;
      feed(b);
      return;
  }
}

}  // namespace berth::terminal
