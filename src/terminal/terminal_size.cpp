#include "terminal/terminal_size.hpp"

#include <algorithm>
#include <string>

namespace berth::terminal {

Status check_size(int cols, int rows) {
  if (cols < 1 || cols > kMaxCols || rows < 1 || rows > kMaxRows)
    return make_error("bad_request", "a terminal is 1 to " + std::to_string(kMaxCols) + " cols and 1 to " +
                                         std::to_string(kMaxRows) + " rows (got " + std::to_string(cols) + "x" +
                                         std::to_string(rows) + ")");
  return Ok{};
}

TerminalSize effective_size(const std::vector<TerminalSize>& wanted, TerminalSize current) {
  if (wanted.empty()) return current;
  TerminalSize out{kMaxCols, kMaxRows};
  for (const auto& w : wanted) {
    out.cols = std::min(out.cols, w.cols);
    out.rows = std::min(out.rows, w.rows);
  }
  return out;
}

}  // namespace berth::terminal
