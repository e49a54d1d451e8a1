#pragma once
// The size of a shared terminal (DESIGN §5 term:resize). Several clients
// may look at one terminal; the program in it sees one size, so the
// smallest cols and the smallest rows among the clients allowed to size it
// (not viewers) win, and nobody's view is cut off. Pure.
#include <optional>
#include <vector>

#include "core/result.hpp"

namespace berth::terminal {

inline constexpr int kMaxCols = 1000;
inline constexpr int kMaxRows = 500;

struct TerminalSize {
  int cols = 80;
  int rows = 24;
  bool operator==(const TerminalSize&) const = default;
};

// bad_request naming the bounds (1–1000 cols, 1–500 rows).
Status check_size(int cols, int rows);

// The size to apply: per dimension the smallest of `wanted` (the sizes of
// the attached clients that may resize), or `current` when none wants one.
TerminalSize effective_size(const std::vector<TerminalSize>& wanted, TerminalSize current);

}  // namespace berth::terminal
