// Where requests go: a base URL read into scheme, host and port, and what can be told of a host from
// its text alone (no DNS lookup anywhere here).
#pragma once
#include <string>
#include <string_view>

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
// `plain http:// only for loopback hosts (127.0.0.0/8, ::1, localhost): use https://`.
endpoint parse_endpoint(std::string_view url);

bool is_loopback_host(std::string_view host);

}  // namespace cphfleet
