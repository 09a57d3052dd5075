#include "client/endpoint.hpp"

#include "base/text.hpp"

#include <fmt/format.h>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/url/parse.hpp>
#include <stdexcept>

namespace cphfleet {

std::string endpoint::host_header() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (tls ? "443" : "80")) h += ":" + port;
  return h;
}

std::string endpoint::to_string() const { return (tls ? "https://" : "http://") + host_header(); }

std::string redact_password(std::string_view url) {
  // The userinfo ends at the last '@' (a password may hold an unescaped '@'), and its password
  // starts after its first ':'. An '@' further on, in a path, hides more than needed, never less.
  const std::size_t scheme_end = url.find("://");
  const std::size_t start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  const std::size_t at = url.rfind('@');
  if (at == std::string_view::npos || at < start) return std::string(url);
  const std::size_t colon = url.find(':', start);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return fmt::format("{}***{}", url.substr(0, colon + 1), url.substr(at));
}

endpoint parse_endpoint(std::string_view url) {
  const std::string shown = redact_password(url);
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) {
    throw std::invalid_argument(fmt::format("\"{}\" is not a URL (expected https://host[:port])", shown));
  }
  const auto& u = *parsed;
  endpoint ep;
  const std::string scheme = to_lower(u.scheme());
  if (scheme != "https" && scheme != "http") {
    throw std::invalid_argument(
        fmt::format("unsupported scheme \"{}\" (expected https://host[:port])", scheme));
  }
  ep.tls = scheme == "https";
  if (u.host_type() == boost::urls::host_type::ipv6) {
    ep.host = u.host_address();
  } else {
    ep.host = u.host();
  }
  if (ep.host.empty()) {
    throw std::invalid_argument(fmt::format("\"{}\" has no host (expected https://host[:port])", shown));
  }
  if (u.has_userinfo() || u.has_query() || u.has_fragment() || (!u.path().empty() && u.path() != "/")) {
    throw std::invalid_argument(
        fmt::format("\"{}\": only scheme, host and port are allowed (expected https://host[:port])", shown));
  }
  ep.port = u.has_port() ? std::string(u.port()) : (ep.tls ? "443" : "80");
  if (!ep.tls && !is_loopback_host(ep.host)) {
    throw std::invalid_argument(fmt::format(
        "\"{}\": plain http:// only for loopback hosts (127.0.0.0/8, ::1, localhost): use https://", shown));
  }
  return ep;
}

}  // namespace cphfleet
