// Text for people at a terminal: column widths that respect wide (CJK) characters, and the live
// progress line a long run keeps on stderr.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cphfleet {

// Terminal columns a string takes: East Asian wide characters take two, so Chinese fleet names align.
std::size_t display_width(std::string_view s);
std::string pad_right(std::string_view s, std::size_t width);

bool stderr_is_terminal();
// A live progress line is drawn only for a person: stderr is a terminal, info lines are shown, and the
// log is not JSON (a machine reads stderr then, line by line).
bool progress_line_wanted();
// Columns of the terminal on stderr (TIOCGWINSZ), asked anew on every call so that a resize shows at
// the next draw; 80 when stderr is not a terminal or the terminal says 0.
std::size_t terminal_columns();
// `text` cut to at most `width` columns (display_width), ending in "…" where it was cut; never splits a
// UTF-8 sequence.
std::string fit_width(std::string_view text, std::size_t width);
// The segments joined by " · ", in order, as many as fit in `width` columns; the first always shows
// (cut with fit_width when it alone is too wide).
std::string join_fitting(const std::vector<std::string>& segments, std::size_t width);
// What a progress_line may take: one column less than the terminal is wide.
inline std::size_t progress_width() {
  std::size_t c = terminal_columns();
  return c > 1 ? c - 1 : 1;
}

// One line on stderr rewritten in place (`\r` + clear to end of line), cut to progress_width(), so it never
// wraps (a wrapped line could not be cleared whole). Does nothing when stderr is not a terminal. Log lines
// written between updates are not garbled: call `clear()` before logging, or let the next `show` redraw.
class progress_line {
 public:
  explicit progress_line(bool enabled);
  ~progress_line();
  void show(std::string_view text);
  void clear();

 private:
  bool enabled_;
  bool shown_ = false;
};

}  // namespace cphfleet
