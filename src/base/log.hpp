// Log lines on stderr: text or JSON lines, with a level filter. Secrets never reach it: callers pass
// redacted values (see `redact`).
#pragma once
#include <fmt/format.h>

#include <concepts>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace cphfleet {

enum class log_level { debug, info, warn, error };
enum class log_format { text, json };

struct log_settings {
  log_format format = log_format::text;
  log_level min_level = log_level::info;  // -q: warn, -v: debug
};
void configure_log(log_settings s);
const log_settings& current_log_settings();

// A field's value: text, an integer, a number or a flag. JSON lines carry it as that JSON type, so a
// count is `"requests":8`, not `"requests":"8"`. Converts implicitly, so `{"requests", n}` and
// `{"chunk", name}` both read as fields.
class log_value {
 public:
  using variant = std::variant<std::string, std::int64_t, std::uint64_t, double, bool>;

  log_value(std::string s) : value_(std::move(s)) {}
  log_value(std::string_view s) : value_(std::string(s)) {}
  log_value(const char* s) : value_(std::string(s)) {}
  // Every integer type but bool and the character types (a `char` is text, not a number).
  template <std::integral T>
  requires(!std::same_as<T, bool> && !std::same_as<T, char> && !std::same_as<T, char8_t> &&
           !std::same_as<T, char16_t> && !std::same_as<T, char32_t> && !std::same_as<T, wchar_t>)
      log_value(T n) {
    if constexpr (std::signed_integral<T>) {
      value_ = static_cast<std::int64_t>(n);
    } else {
      value_ = static_cast<std::uint64_t>(n);
    }
  }
  log_value(double d) : value_(d) {}
  log_value(bool b) : value_(b) {}

  const variant& get() const { return value_; }
  // As the text format writes it, before any quoting: `8`, `0.25`, `true`, or the text itself.
  std::string text() const;

 private:
  variant value_;
};
using log_fields = std::vector<std::pair<std::string, log_value>>;

// One line: text `2026-11-26T10:00:00.123Z info message key=value ...`, or a JSON object with
// time, level, msg and the fields.
//
// Text: a value that is empty or holds a space, `"`, `\`, `=`, a control character or a newline is
// written quoted, with `\"`, `\\`, `\n`, `\r`, `\t` and `\xNN` escapes inside (`key="a \"b\"\nc"`);
// in the message (which is not quoted) only control characters are escaped, the same way. So a log
// line is always one line, and a value from a server cannot forge a field or a line.
// Both formats: bytes that are not valid UTF-8 (a server body may carry them) become U+FFFD, so a
// JSON line is always valid JSON, and a terminal gets text it can show.
void log(log_level level, std::string_view message, const log_fields& fields = {});
// The line `log` writes (without its newline), for a given time text.
std::string format_log_line(log_format format, log_level level, std::string_view time,
                            std::string_view message, const log_fields& fields);

// Where log lines go (each with its newline); an empty function restores stderr. Lets a test read the
// lines a flow writes.
void set_log_sink(std::function<void(std::string_view line)> sink);

template <typename... Args>
void log_info(fmt::format_string<Args...> f, Args&&... args) {
  log(log_level::info, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_warn(fmt::format_string<Args...> f, Args&&... args) {
  log(log_level::warn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_error(fmt::format_string<Args...> f, Args&&... args) {
  log(log_level::error, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_debug(fmt::format_string<Args...> f, Args&&... args) {
  log(log_level::debug, fmt::format(f, std::forward<Args>(args)...));
}

// Called before each log line is written (the progress line clears itself there, so a log line never
// lands in the middle of it); nullptr for none.
void set_log_prelude(void (*prelude)());

// A secret as it may be shown: its first 4 characters and `…`.
std::string redact(std::string_view secret);

}  // namespace cphfleet
