#include "base/time_text.hpp"

#include <fmt/format.h>

namespace cphfleet {
namespace {

using namespace std::chrono;

struct utc_fields {
  int year;
  unsigned month, day, hour, minute, second;
};

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

utc_fields fields_of(std::int64_t unix_seconds) {
  const std::int64_t day_count = floor_div(unix_seconds, 86'400);
  const std::int64_t in_day = unix_seconds - day_count * 86'400;
  const year_month_day ymd{sys_days{days{day_count}}};
  return {static_cast<int>(ymd.year()),
          static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day()),
          static_cast<unsigned>(in_day / 3600),
          static_cast<unsigned>(in_day / 60 % 60),
          static_cast<unsigned>(in_day % 60)};
}

// Reads exactly `n` ASCII digits at text[pos]; -1 when they are not all there.
int digits(std::string_view text, std::size_t pos, std::size_t n) {
  if (pos + n > text.size()) return -1;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

// Unix seconds of a civil UTC date and time; nullopt for a date that does not exist or a time out of
// range. A leap second (`23:59:60`) is refused: Unix time has no place for it (it would have to be
// folded onto a neighbouring second, and two distinct texts would read the same), our own writers
// never produce one, and none has been inserted since 2016 (the practice ends by 2035).
std::optional<std::int64_t> unix_seconds_of(int y, int mo, int d, int h, int mi, int s) {
  if (y < 0 || mo < 1 || mo > 12 || d < 1) return std::nullopt;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;  // day beyond the month's end, Feb 29 of a common year
  if (h > 23 || mi > 59 || s > 59) return std::nullopt;
  const std::int64_t days_since_epoch = sys_days{ymd}.time_since_epoch().count();
  return days_since_epoch * 86'400 + h * 3600 + mi * 60 + s;
}

}  // namespace

std::string rfc3339_ms(std::int64_t unix_ms) {
  const std::int64_t seconds = floor_div(unix_ms, 1000);
  const utc_fields f = fields_of(seconds);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", f.year, f.month, f.day, f.hour, f.minute,
                     f.second, unix_ms - seconds * 1000);
}

std::string rfc3339_s(std::int64_t unix_ms) {
  const utc_fields f = fields_of(floor_div(unix_ms, 1000));
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", f.year, f.month, f.day, f.hour, f.minute,
                     f.second);
}

std::string rfc3339_ms(system_clock::time_point t) {
  return rfc3339_ms(floor<milliseconds>(t.time_since_epoch()).count());
}

std::string utc_now_rfc3339() { return rfc3339_ms(system_clock::now()); }

std::optional<system_clock::time_point> parse_utc_rfc3339(std::string_view text) {
  // 2026-11-26T10:00:00 is 19 bytes; the shortest whole form adds `Z`.
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') ||
      text[13] != ':' || text[16] != ':')
    return std::nullopt;
  const int y = digits(text, 0, 4), mo = digits(text, 5, 2), d = digits(text, 8, 2);
  const int h = digits(text, 11, 2), mi = digits(text, 14, 2), s = digits(text, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0) return std::nullopt;
  auto local = unix_seconds_of(y, mo, d, h, mi, s);
  if (!local) return std::nullopt;

  std::size_t pos = 19;
  std::int64_t nanos = 0;
  if (text[pos] == '.') {
    std::size_t first = ++pos;
    std::int64_t scale = 100'000'000;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      nanos += (text[pos] - '0') * scale;
      scale /= 10;  // past the ninth digit it is 0: finer digits are read and dropped
      ++pos;
    }
    if (pos == first) return std::nullopt;  // a `.` needs at least one digit
  }

  std::int64_t offset_s = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int oh = digits(text, pos + 1, 2), om = digits(text, pos + 4, 2);
    if (oh < 0 || om < 0 || pos + 3 >= text.size() || text[pos + 3] != ':' || oh > 23 || om > 59)
      return std::nullopt;
    // `-00:00` is RFC 3339's "offset unknown"; the time itself is still UTC, so it reads as `Z`.
    offset_s = (text[pos] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;

  // Local time minus its offset is UTC. The result must fit the clock (about 1678..2262 with
  // nanosecond ticks); years outside it are refused rather than wrapped.
  const std::int64_t utc_s = *local - offset_s;
  constexpr std::int64_t max_s = duration_cast<seconds>(system_clock::duration::max()).count() - 1;
  constexpr std::int64_t min_s = duration_cast<seconds>(system_clock::duration::min()).count() + 1;
  if (utc_s > max_s || utc_s < min_s) return std::nullopt;
  return system_clock::time_point(duration_cast<system_clock::duration>(seconds(utc_s) + nanoseconds(nanos)));
}

std::string sdk_date(std::int64_t unix_seconds) {
  const utc_fields f = fields_of(unix_seconds);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", f.year, f.month, f.day, f.hour, f.minute, f.second);
}

std::optional<std::int64_t> parse_sdk_date(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  const int y = digits(text, 0, 4), mo = digits(text, 4, 2), d = digits(text, 6, 2);
  const int h = digits(text, 9, 2), mi = digits(text, 11, 2), s = digits(text, 13, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0) return std::nullopt;
  return unix_seconds_of(y, mo, d, h, mi, s);
}

}  // namespace cphfleet
