// Where requests go: a base URL read into scheme, host and port, and what can be told of a host from
// its text alone (no DNS lookup anywhere here).
#pragma once
#include <string>
#include <string_view>

#include "base/loopback.hpp"  // is_loopback_host, for callers of parse_endpoint

namespace cphfleet {

// `https://host[:port]`, or `http://` to a loopback host (tests, the emulator).
struct endpoint {
  bool tls = true;
  std::string host;                 // IPv6 without brackets
  std::string port;                 // "443"
  std::string host_header() const;  // the Host value: host, [v6], plus :port when not the default
  std::string to_string() const;    // https://host[:port]
};

// Throws std::invalid_argument with a message that says what is allowed, e.g.
// `plain http:// only for loopback hosts (127.0.0.0/8, ::1, localhost): use https://`. A URL quoted
// in a message has its password shown as `***`.
endpoint parse_endpoint(std::string_view url);

// `url` with the password of its userinfo shown as `***` (`http://user:***@host:3128`), read from
// the text alone so that a URL too broken to parse is redacted too. Without a password it is
// returned as it was.
std::string redact_password(std::string_view url);

}  // namespace cphfleet
