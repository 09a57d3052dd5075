#include "base/log.hpp"

#include "base/time_text.hpp"

#include <boost/json.hpp>

#include <cstdio>

namespace cphfleet {
namespace {
log_settings settings_;
void (*prelude_)() = nullptr;

std::string_view level_name(log_level l) {
  switch (l) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
  }
  return "info";
}
}  // namespace

void configure_log(log_settings s) { settings_ = s; }
void set_log_prelude(void (*prelude)()) { prelude_ = prelude; }
const log_settings& current_log_settings() { return settings_; }

void log(log_level level, std::string_view message, const log_fields& fields) {
  if (level < settings_.min_level) return;
  std::string line;
  if (settings_.format == log_format::json) {
    boost::json::object o;
    o["time"] = utc_now_rfc3339();
    o["level"] = level_name(level);
    o["msg"] = message;
    for (const auto& [k, v] : fields) o[k] = v;
    line = boost::json::serialize(o);
  } else {
    line = fmt::format("{} {} {}", utc_now_rfc3339(), level_name(level), message);
    for (const auto& [k, v] : fields) {
      bool quote = v.empty() || v.find_first_of(" \"=") != std::string::npos;
      line += quote ? fmt::format(" {}=\"{}\"", k, v) : fmt::format(" {}={}", k, v);
    }
  }
  line += '\n';
  if (prelude_) prelude_();
  std::fwrite(line.data(), 1, line.size(), stderr);
}

std::string redact(std::string_view secret) {
  if (secret.empty()) return "";
  // Count 4 code points, not bytes, so a multi-byte character is never cut.
  std::size_t i = 0;
  for (int n = 0; n < 4 && i < secret.size(); ++n) {
    ++i;
    while (i < secret.size() && (static_cast<unsigned char>(secret[i]) & 0xC0) == 0x80) ++i;
  }
  return std::string(secret.substr(0, i)) + "\xE2\x80\xA6";
}

}  // namespace cphfleet
