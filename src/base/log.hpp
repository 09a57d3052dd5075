// Log lines on stderr: text or JSON lines, with a level filter. Secrets never reach it: callers pass
// redacted values (see `redact`).
#pragma once
#include <fmt/format.h>

#include <string>
#include <string_view>
#include <utility>
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

using log_fields = std::vector<std::pair<std::string, std::string>>;
// One line: text `2026-11-26T10:00:00.123Z info message key=value ...`, or a JSON object with
// time, level, msg and the fields.
void log(log_level level, std::string_view message, const log_fields& fields = {});

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
