#include "client/outcome.hpp"

#include "base/text.hpp"

#include <charconv>

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
  // The gateway says APIGW.xxxx; older deployments say APIG.xxxx (spec §2).
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
    if (rest.find("minute") != std::string_view::npos) {
      hint.window_s = n * 60;
    } else if (rest.find("hour") != std::string_view::npos) {
      hint.window_s = n * 3600;
    } else if (rest.find("second") != std::string_view::npos) {
      hint.window_s = n;
    }
  }
  return hint;
}

std::optional<std::int64_t> parse_retry_after(std::string_view value) {
  auto n = parse_integer<std::int64_t>(trim(value));
  if (!n || *n < 0) return std::nullopt;
  return n;
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
  if (status >= 200 && status < 300) {
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
  } else if (code == "CPS.0042") {
    out.cls = outcome_class::retryable;  // "System busy", despite its 400
  } else {
    // Quota and balance codes are not published: an unknown refusal is permanent (spec §2).
    out.cls = outcome_class::permanent;
  }
  return out;
}

}  // namespace cphfleet
