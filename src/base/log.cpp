#include "base/log.hpp"

#include "base/text.hpp"
#include "base/time_text.hpp"

#include <boost/json.hpp>

#include <cmath>
#include <cstdio>

namespace cphfleet {
namespace {
log_settings settings_;
void (*prelude_)() = nullptr;
std::function<void(std::string_view)> sink_;

std::string_view level_name(log_level l) {
  switch (l) {
    case log_level::debug:
      return "debug";
    case log_level::info:
      return "info";
    case log_level::warn:
      return "warn";
    case log_level::error:
      return "error";
  }
  return "info";
}

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7F; }

// Appends `s` with control characters escaped, and with `"` and `\` too when `quoted`.
void append_escaped(std::string& out, std::string_view s, bool quoted) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (is_control(c)) {
      out += fmt::format("\\x{:02x}", c);
    } else if (quoted && (c == '"' || c == '\\')) {
      out += '\\';
      out += ch;
    } else {
      out += ch;
    }
  }
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (char ch : v) {
    auto c = static_cast<unsigned char>(ch);
    if (c == ' ' || c == '"' || c == '\\' || c == '=' || is_control(c)) return true;
  }
  return false;
}

boost::json::value json_of(const log_value& v) {
  return std::visit(
      [](const auto& x) -> boost::json::value {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return boost::json::value(to_valid_utf8(x));
        } else if constexpr (std::is_same_v<T, double>) {
          // JSON has no infinity or NaN: such a value is written as text rather than as a bad number.
          if (!std::isfinite(x)) return boost::json::value(fmt::format("{}", x));
          return boost::json::value(x);
        } else {
          return boost::json::value(x);
        }
      },
      v.get());
}

}  // namespace

void configure_log(log_settings s) { settings_ = s; }
void set_log_prelude(void (*prelude)()) { prelude_ = prelude; }
void set_log_sink(std::function<void(std::string_view line)> sink) { sink_ = std::move(sink); }
const log_settings& current_log_settings() { return settings_; }

std::string log_value::text() const {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return x;
        } else {
          return fmt::format("{}", x);
        }
      },
      value_);
}

std::string format_log_line(log_format format, log_level level, std::string_view time,
                            std::string_view message, const log_fields& fields) {
  if (format == log_format::json) {
    boost::json::object o;
    o["time"] = time;
    o["level"] = level_name(level);
    o["msg"] = to_valid_utf8(message);
    for (const auto& [k, v] : fields) o[to_valid_utf8(k)] = json_of(v);
    return boost::json::serialize(o);
  }
  std::string line = fmt::format("{} {} ", time, level_name(level));
  append_escaped(line, to_valid_utf8(message), false);
  for (const auto& [k, v] : fields) {
    line += ' ';
    append_escaped(line, to_valid_utf8(k), false);
    line += '=';
    const std::string text = to_valid_utf8(v.text());
    if (needs_quotes(text)) {
      line += '"';
      append_escaped(line, text, true);
      line += '"';
    } else {
      line += text;
    }
  }
  return line;
}

void log(log_level level, std::string_view message, const log_fields& fields) {
  if (level < settings_.min_level) return;
  std::string line = format_log_line(settings_.format, level, utc_now_rfc3339(), message, fields);
  line += '\n';
  if (prelude_) prelude_();
  if (sink_) {
    sink_(line);
  } else {
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
}

std::string redact(std::string_view secret) {
  if (secret.empty()) return "";
  // Count 4 code points, not bytes, so a multi-byte character is never cut.
  std::size_t i = 0;
  for (int n = 0; n < 4 && i < secret.size(); ++n) next_code_point(secret, i);
  return std::string(secret.substr(0, i)) + "\xE2\x80\xA6";
}

}  // namespace cphfleet
