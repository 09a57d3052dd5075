#include "client/outcome.hpp"

#include "base/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <limits>
#include <string>
#include <vector>

namespace cphfleet {

std::string_view to_string(transport_step step) {
  switch (step) {
    case transport_step::resolve:
      return "resolve";
    case transport_step::connect:
      return "connect";
    case transport_step::proxy:
      return "proxy";
    case transport_step::tls:
      return "tls";
    case transport_step::write:
      return "write";
    case transport_step::read:
      return "read";
    case transport_step::timeout:
      return "timeout";
  }
  return "connect";
}

std::string_view to_string(outcome_class c) {
  switch (c) {
    case outcome_class::ordered:
      return "ordered";
    case outcome_class::retryable:
      return "retryable";
    case outcome_class::permanent:
      return "permanent";
    case outcome_class::ambiguous:
      return "ambiguous";
  }
  return "permanent";
}

namespace {

std::optional<std::int64_t> leading_number(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data() + i, s.data() + s.size(), n);
  if (ec != std::errc{} || end == s.data() + i) return std::nullopt;
  return n;
}

bool is_gateway_code(std::string_view code, std::string_view number) {
  // The gateway says APIGW.xxxx; older deployments say APIG.xxxx (docs/service.md "Errors").
  return code == std::string("APIGW.").append(number) || code == std::string("APIG.").append(number);
}

// A purchase the service may have taken; a read that can simply be read again.
outcome_class maybe_taken(call_kind kind) {
  return kind == call_kind::purchase ? outcome_class::ambiguous : outcome_class::retryable;
}

}  // namespace

throttle_hint parse_throttle_message(std::string_view message) {
  throttle_hint hint;
  if (auto at = message.find("limit:"); at != std::string_view::npos) {
    hint.limit = leading_number(message.substr(at + 6));
  }
  if (auto at = message.find("time:"); at != std::string_view::npos) {
    std::string_view rest = message.substr(at + 5);
    std::int64_t n = leading_number(rest).value_or(1);
    // A window that does not fit 64 bits of seconds is no hint, rather than an overflow.
    auto seconds = [n](std::int64_t unit) -> std::optional<std::int64_t> {
      if (n > std::numeric_limits<std::int64_t>::max() / unit ||
          n < std::numeric_limits<std::int64_t>::min() / unit)
        return std::nullopt;
      return n * unit;
    };
    if (rest.find("minute") != std::string_view::npos) {
      hint.window_s = seconds(60);
    } else if (rest.find("hour") != std::string_view::npos) {
      hint.window_s = seconds(3600);
    } else if (rest.find("second") != std::string_view::npos) {
      hint.window_s = n;
    }
  }
  return hint;
}

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Exactly `width` digits.
std::optional<int> fixed_number(std::string_view s, std::size_t width) {
  if (s.size() != width || !all_digits(s)) return std::nullopt;
  int n = 0;
  std::from_chars(s.data(), s.data() + s.size(), n);
  return n;
}

std::optional<unsigned> month_number(std::string_view name) {
  constexpr std::string_view months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (unsigned i = 0; i < 12; ++i)
    if (name == months[i]) return i + 1;
  return std::nullopt;
}

bool is_day_name(std::string_view name, bool long_form) {
  constexpr std::string_view days[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                       "Friday", "Saturday", "Sunday"};
  for (auto day : days)
    if (long_form ? name == day : name == day.substr(0, 3)) return true;
  return false;
}

std::vector<std::string_view> split_on_spaces(std::string_view s) {
  std::vector<std::string_view> parts;
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t end = s.find(' ', pos);
    if (end == std::string_view::npos) end = s.size();
    if (end > pos) parts.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  return parts;
}

// `HH:MM:SS` -> seconds into the day (a leap second 60 allowed, as HTTP allows it).
std::optional<std::int64_t> time_of_day(std::string_view s) {
  if (s.size() != 8 || s[2] != ':' || s[5] != ':') return std::nullopt;
  auto h = fixed_number(s.substr(0, 2), 2), m = fixed_number(s.substr(3, 2), 2),
       sec = fixed_number(s.substr(6, 2), 2);
  if (!h || !m || !sec || *h > 23 || *m > 59 || *sec > 60) return std::nullopt;
  return *h * 3600 + *m * 60 + *sec;
}

std::optional<std::int64_t> unix_seconds(int year, std::optional<unsigned> month, int day,
                                         std::optional<std::int64_t> seconds) {
  if (!month || !seconds) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{*month},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return std::nullopt;
  return std::chrono::sys_days(date).time_since_epoch().count() * 86400 + *seconds;
}

// The three forms of RFC 9110 §5.6.7, as Unix seconds.
std::optional<std::int64_t> http_date(std::string_view s) {
  const auto p = split_on_spaces(s);
  // IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`
  if (p.size() == 6 && p[0].size() == 4 && p[0].back() == ',' && is_day_name(p[0].substr(0, 3), false) &&
      p[5] == "GMT") {
    auto day = fixed_number(p[1], 2), year = fixed_number(p[3], 4);
    if (!day || !year) return std::nullopt;
    return unix_seconds(*year, month_number(p[2]), *day, time_of_day(p[4]));
  }
  // RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT`; a two-digit year above 50 is taken as 19xx (such a
  // date is long past either way, and a past date only means "now").
  if (p.size() == 4 && p[0].size() > 1 && p[0].back() == ',' &&
      is_day_name(p[0].substr(0, p[0].size() - 1), true) && p[3] == "GMT" && p[1].size() == 9 &&
      p[1][2] == '-' && p[1][6] == '-') {
    auto day = fixed_number(p[1].substr(0, 2), 2), yy = fixed_number(p[1].substr(7, 2), 2);
    if (!day || !yy) return std::nullopt;
    const int year = *yy + 2000 > 2050 ? *yy + 1900 : *yy + 2000;
    return unix_seconds(year, month_number(p[1].substr(3, 3)), *day, time_of_day(p[2]));
  }
  // asctime: `Sun Nov  6 08:49:37 1994` (a one-digit day is padded with a space)
  if (p.size() == 5 && is_day_name(p[0], false) && (p[2].size() == 1 || p[2].size() == 2) &&
      s.find(std::string(p[1]) + (p[2].size() == 1 ? "  " : " ") + std::string(p[2]) + " ") !=
          std::string_view::npos) {
    auto day = fixed_number(p[2], p[2].size()), year = fixed_number(p[4], 4);
    if (!day || !year) return std::nullopt;
    return unix_seconds(*year, month_number(p[1]), *day, time_of_day(p[3]));
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::int64_t> parse_retry_after(std::string_view value, std::int64_t now_unix_s) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (all_digits(value)) {
    // Leading zeros carry no value; more digits than the cap has is more than the cap.
    value.remove_prefix(std::min(value.find_first_not_of('0'), value.size() - 1));
    if (value.size() > 6) return k_retry_after_cap_s;
    std::int64_t n = 0;
    std::from_chars(value.data(), value.data() + value.size(), n);
    return std::min(n, k_retry_after_cap_s);
  }
  auto at = http_date(value);
  if (!at) return std::nullopt;
  // now_unix_s comes from the caller's clock: keep the subtraction in range whatever it says.
  if (*at <= now_unix_s) return 0;
  if (now_unix_s < 0 && *at > now_unix_s + k_retry_after_cap_s) return k_retry_after_cap_s;
  return std::min(*at - now_unix_s, k_retry_after_cap_s);
}

std::optional<std::int64_t> parse_retry_after(std::string_view value) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return parse_retry_after(value, std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

std::string describe(const call_report& r) {
  if (r.transport) return r.transport->message;
  if (!r.error_code.empty()) return fmt::format("HTTP {} {}: {}", r.http_status, r.error_code, r.error_msg);
  return fmt::format("HTTP {}: {}", r.http_status, r.error_msg);
}

outcome classify(const call_report& report, call_kind kind) {
  outcome out;
  out.retry_after_s = report.retry_after_s;

  if (report.transport || report.http_status == 0) {
    // No answer, or one that could not be read. Until the whole request is out, the service cannot
    // act on it (a partial request is never processed); once it is out, silence, a reset or garbage
    // may come after the order was taken. No report at all is treated as the worst case.
    bool written = !report.transport || report.transport->request_written;
    out.cls = written ? maybe_taken(kind) : outcome_class::retryable;
    return out;
  }

  const int status = report.http_status;
  const std::string_view code = report.error_code;
  if (status == 200) {
    // The only success the API documents (docs/service.md "Purchase"): a 201, 202 or 204 is not
    // proof of an order, and falls to the last branch with every other status the table does not name.
    out.cls = outcome_class::ordered;
  } else if (status >= 500 || code == "CPS.0061") {
    // 5xx: the backend may have committed before failing. CPS.0061: billing could not say whether
    // the order exists.
    out.cls = maybe_taken(kind);
  } else if (status == 429) {
    // Every 429 is the gateway's: it rejects before the service sees the call.
    out.cls = outcome_class::retryable;
    out.throttled = true;
    auto hint = parse_throttle_message(report.error_msg);
    out.throttle_limit = hint.limit;
    out.throttle_window_s = hint.window_s;
  } else if (status == 401 || status == 403) {
    out.cls = outcome_class::permanent;
    out.stop_run = true;
  } else if (status == 404 && is_gateway_code(code, "0101")) {
    out.cls = outcome_class::permanent;
    out.stop_run = true;
  } else if (status / 100 == 4 && code == "CPS.0042") {
    out.cls = outcome_class::retryable;  // "System busy", despite its 400
  } else if (status / 100 == 4) {
    // Quota and balance codes are not published: an unknown refusal is permanent.
    out.cls = outcome_class::permanent;
  } else {
    // Any other status came after the whole request was written, and says nothing about whether
    // the order was taken: a 1xx left as the answer, a 2xx other than 200, a 3xx (a redirected
    // purchase may have been bought on the way), or a code HTTP does not define. Never `failed`:
    // a failed chunk is bought again by the next run.
    out.cls = maybe_taken(kind);
  }
  return out;
}

}  // namespace cphfleet
