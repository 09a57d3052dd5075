#include "base/terminal.hpp"

#include "base/log.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>

namespace cphfleet {
namespace {

// Bytes of the UTF-8 sequence `lead` starts (1 for a byte that starts none).
std::size_t utf8_length(unsigned char lead) {
  return lead < 0x80             ? 1
         : (lead & 0xE0) == 0xC0 ? 2
         : (lead & 0xF0) == 0xE0 ? 3
         : (lead & 0xF8) == 0xF0 ? 4
                                 : 1;
}

}  // namespace

std::size_t display_width(std::string_view s) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = utf8_length(c);
    char32_t cp = len == 1 ? c : static_cast<char32_t>(c & (0x7F >> len));
    for (std::size_t k = 1; k < len && i + k < s.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += len;
    bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
    width += wide ? 2 : 1;
  }
  return width;
}

std::string pad_right(std::string_view s, std::size_t width) {
  std::string out(s);
  std::size_t w = display_width(s);
  if (w < width) out.append(width - w, ' ');
  return out;
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

bool progress_line_wanted() {
  const log_settings& s = current_log_settings();
  return stderr_is_terminal() && s.min_level <= log_level::info && s.format != log_format::json;
}

std::size_t terminal_columns() {
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

std::string fit_width(std::string_view text, std::size_t width) {
  if (display_width(text) <= width) return std::string(text);
  if (width == 0) return {};
  std::string out;
  std::size_t used = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t len = utf8_length(static_cast<unsigned char>(text[i]));
    std::string_view one = text.substr(i, len);
    std::size_t w = display_width(one);
    if (used + w > width - 1) break;  // one column left for the ellipsis
    out += one;
    used += w;
    i += len;
  }
  return out + "\u2026";
}

std::string join_fitting(const std::vector<std::string>& segments, std::size_t width) {
  if (segments.empty()) return {};
  std::string out = fit_width(segments.front(), width);
  std::size_t used = display_width(out);
  constexpr std::string_view sep = " \u00b7 ";
  const std::size_t sep_width = display_width(sep);
  for (std::size_t i = 1; i < segments.size(); ++i) {
    std::size_t w = display_width(segments[i]);
    if (used + sep_width + w > width)
      break;  // later segments matter less: stop at the first that does not fit
    out += sep;
    out += segments[i];
    used += sep_width + w;
  }
  return out;
}

namespace {
progress_line* active_ = nullptr;  // the one line on stderr; log lines clear it first
}  // namespace

progress_line::progress_line(bool enabled) : enabled_(enabled) {
  if (enabled_) {
    active_ = this;
    set_log_prelude([] {
      if (active_) active_->clear();
    });
  }
}

progress_line::~progress_line() {
  clear();
  if (active_ == this) {
    active_ = nullptr;
    set_log_prelude(nullptr);
  }
}

void progress_line::show(std::string_view text) {
  if (!enabled_) return;
  std::string line = fit_width(text, progress_width());
  std::fprintf(stderr, "\r\x1b[K%.*s", static_cast<int>(line.size()), line.data());
  std::fflush(stderr);
  shown_ = true;
}

void progress_line::clear() {
  if (!enabled_ || !shown_) return;
  std::fputs("\r\x1b[K", stderr);
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace cphfleet
