#pragma once
// Follows terminal output byte by byte just far enough to tell where a
// replay may begin: never inside a UTF-8 sequence nor inside an escape
// sequence (ESC x, ESC ( B, CSI …, OSC … BEL/ST, DCS/SOS/PM/APC … ST).
// A fresh xterm fed from such a point would print the sequence's tail as
// text. The states are a subset of the DEC/xterm parser (vt100.net's
// diagram), enough for boundaries; nothing is interpreted. Pure.
#include <cstdint>

namespace berth::terminal {

class OutputBoundary {
 public:
  void feed(unsigned char byte);
  // True between two bytes where a replay may start.
  bool at_boundary() const { return state_ == State::ground && utf8_left_ == 0; }

 private:
  enum class State : std::uint8_t { ground, escape, escape_intermediate, csi, string, string_escape };
  State state_ = State::ground;
  std::uint8_t utf8_left_ = 0;  // continuation bytes still due in ground
};

}  // namespace berth::terminal
