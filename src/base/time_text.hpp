// Times as text, always UTC: RFC 3339 (the ledger's `time`, the service's `created_at`) and the compact
// `X-Sdk-Date` form the signer and the gateway use. Dates are computed from the civil calendar here, not
// with gmtime/timegm/strptime, so neither the time zone nor the locale of the process can change them.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cphfleet {

// `2026-11-26T10:00:00.123Z` and `2026-11-26T10:00:00Z` (the seconds form drops the milliseconds, it
// does not round them). Negative times (before 1970) are floored, as a clock reads them.
std::string rfc3339_ms(std::int64_t unix_ms);
std::string rfc3339_s(std::int64_t unix_ms);
std::string rfc3339_ms(std::chrono::system_clock::time_point t);
// Now, with milliseconds.
std::string utc_now_rfc3339();

// Reads an RFC 3339 date-time (§5.6), strictly: `YYYY-MM-DDTHH:MM:SS`, an optional fraction of one or
// more digits (kept to the nanosecond, further digits dropped), then `Z` or a `+HH:MM`/`-HH:MM` offset
// (converted to UTC). `T` and `Z` may be lower case, as RFC 3339 allows. The date must exist (February
// 29 only in leap years). Anything else is nullopt: a space for `T`, a missing part, a trailing byte.
std::optional<std::chrono::system_clock::time_point> parse_utc_rfc3339(std::string_view text);

// `X-Sdk-Date`: `YYYYMMDDTHHMMSSZ`.
std::string sdk_date(std::int64_t unix_seconds);
// Unix seconds of an `X-Sdk-Date`, with the same calendar checks; nullopt for anything else.
std::optional<std::int64_t> parse_sdk_date(std::string_view text);

}  // namespace cphfleet
