// The way out through a proxy: HTTPS_PROXY / NO_PROXY read as curl reads them, and the CONNECT
// tunnel to the target through an http:// proxy. Every message shows a proxy URL with its password
// as `***`.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "base/net.hpp"
#include "client/endpoint.hpp"
#include "input/credentials.hpp"

namespace cphfleet {

// HTTPS_PROXY / NO_PROXY (lowercase names win). Only https targets use the proxy.
struct proxy_settings {
  std::string https_proxy;  // `http://[user:pass@]host[:port]`; empty: connect directly
  std::string no_proxy;     // `*`, or comma-separated hosts, domains (`.example.com`) and IPs

  static proxy_settings from_environment(const env_lookup& env = process_env);
  bool bypasses(std::string_view host) const;  // host matches NO_PROXY
};

// The proxy one target is reached through.
struct proxy_route {
  endpoint address;           // always plain http: the tunnel carries the target's TLS
  std::string authorization;  // `Basic …` when the proxy URL has user:password
};

// nullopt when `target` is reached directly: plain http, no HTTPS_PROXY, or NO_PROXY names it.
// Throws std::runtime_error when the proxy URL is not supported.
std::optional<proxy_route> route_to(const endpoint& target, const proxy_settings& settings);

// Why a CONNECT failed. `timed_out`: the stream's deadline passed first (the caller knows after
// how long); otherwise `detail` says what the proxy did.
struct tunnel_failure {
  bool timed_out = false;
  std::string detail;
};

// Asks the proxy `stream` is connected to for a tunnel to `target`, under the stream's current
// deadline. On success the stream carries bytes to and from the target; nothing of the request has
// been written either way.
net::awaitable<std::optional<tunnel_failure>> open_tunnel(beast::tcp_stream& stream, const proxy_route& route,
                                                          const endpoint& target);

}  // namespace cphfleet
