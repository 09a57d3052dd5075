// Text for people at a terminal: column widths that respect wide (CJK) characters, and the live
// progress line a long run keeps on stderr.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace cphfleet {

// Terminal columns a string takes: East Asian wide characters take two, so Chinese fleet names align.
std::size_t display_width(std::string_view s);
std::string pad_right(std::string_view s, std::size_t width);

bool stderr_is_terminal();

// One line on stderr rewritten in place (`\r` + clear to end of line). Does nothing when stderr is not
// a terminal. Log lines written between updates are not garbled: call `clear()` before logging, or let
// the next `show` redraw.
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
