#include "base/log.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>

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

std::string utc_now_rfc3339() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

std::optional<std::chrono::system_clock::time_point> parse_utc_rfc3339(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0;
  char tail[8] = {};
  std::string s(text);
  int n = std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%7s", &y, &mo, &d, &h, &mi, &sec, tail);
  if (n != 7) return std::nullopt;
  std::string_view rest = tail;
  if (rest.size() == 5 && rest[0] == '.' && rest[4] == 'Z') {
    ms = (rest[1] - '0') * 100 + (rest[2] - '0') * 10 + (rest[3] - '0');
  } else if (rest != "Z") {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  std::time_t t = timegm(&tm);
  return std::chrono::system_clock::from_time_t(t) + std::chrono::milliseconds(ms);
}

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
