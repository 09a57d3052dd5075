// The one place that decides what a call's answer means (docs/service.md "Errors", README "Sending"):
// was the order taken, may the call be sent again, or must the service be read first.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cphfleet {

// Where a call failed before an HTTP answer came. Everything up to `tls` happens before any byte of
// the request leaves; `write`, `read` and `timeout` say whether the whole request went out through
// `request_written`.
enum class transport_step { resolve, connect, proxy, tls, write, read, timeout };
std::string_view to_string(transport_step step);

struct transport_error {
  transport_step step = transport_step::connect;
  std::string message;           // "connect: Connection refused"
  bool request_written = false;  // the whole request was handed to the socket: the service may have it
};

// What happened, as far as the caller acts on it. The names follow the ledger's statuses:
// ordered -> `ordered`, retryable -> `retrying`, permanent -> `failed`, ambiguous -> `unknown`.
enum class outcome_class {
  ordered,    // the call succeeded (for a read: it was answered)
  retryable,  // provably nothing happened on the service: send it again after a backoff
  permanent,  // the service refused it; sending it again gets the same answer
  ambiguous,  // the service may have acted (a purchase may have been bought): reconcile first
};
std::string_view to_string(outcome_class c);

// A purchase can be ambiguous; a read never is (reading twice buys nothing), so every failure that
// would be ambiguous for a purchase is retryable for a read.
enum class call_kind { purchase, read };

// What came back from one call, as the classifier needs it.
struct call_report {
  int http_status = 0;  // 0: no HTTP answer (see transport)
  // Set when no usable answer came: a failure on the way, or an answer that could not be read (then
  // http_status may be set too, e.g. a 200 without an order_id). It decides the class on its own.
  std::string error_code;
  std::string error_msg;
  std::optional<transport_error> transport;
  std::optional<std::int64_t> retry_after_s;  // the Retry-After header, in seconds
};

struct outcome {
  outcome_class cls = outcome_class::permanent;
  bool stop_run = false;   // 401, 403, 404 APIGW.0101: credentials or the API are wrong; send nothing more
  bool throttled = false;  // 429: the caller lowers its rate
  std::optional<std::int64_t> throttle_limit;     // N of `limit:N` in the gateway's message
  std::optional<std::int64_t> throttle_window_s;  // `time:1 second` -> 1, `time:1 minute` -> 60
  std::optional<std::int64_t> retry_after_s;      // honour before the next attempt when present
};

outcome classify(const call_report& report, call_kind kind);

// An answer as one line for logs and messages: the transport failure, or `HTTP 429 APIGW.0308: ...`.
std::string describe(const call_report& report);

// `limit:10,time:1 second` in a 429 message: {10, 1}. Missing parts are nullopt.
struct throttle_hint {
  std::optional<std::int64_t> limit;
  std::optional<std::int64_t> window_s;
};
throttle_hint parse_throttle_message(std::string_view message);

// A Retry-After value as seconds to wait: delay-seconds (ASCII digits only) or an HTTP-date (the
// IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, and the obsolete RFC 850 and asctime forms HTTP
// still has recipients read), against `now_unix_s`. A date already past is 0; a wait longer than
// `k_retry_after_cap_s` (however many digits) is the cap, so a caller that turns it into
// milliseconds cannot overflow. Anything else (a sign, a fraction, a zone other than GMT, a day the
// month lacks) is nullopt: no hint, rather than a guess.
inline constexpr std::int64_t k_retry_after_cap_s = 24 * 3600;
std::optional<std::int64_t> parse_retry_after(std::string_view value, std::int64_t now_unix_s);
std::optional<std::int64_t> parse_retry_after(std::string_view value);  // now: the system clock

}  // namespace cphfleet
