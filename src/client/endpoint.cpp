#include "client/endpoint.hpp"

#include <fmt/format.h>

#include <boost/algorithm/string/case_conv.hpp>
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

bool is_loopback_host(std::string_view host) {
  if (boost::beast::iequals(host, "localhost")) return true;
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(std::string(host), ec);
  return !ec && addr.is_loopback();
}

endpoint parse_endpoint(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) {
    throw std::invalid_argument(fmt::format("\"{}\" is not a URL (expected https://host[:port])", url));
  }
  const auto& u = *parsed;
  endpoint ep;
  const std::string scheme = boost::algorithm::to_lower_copy(std::string(u.scheme()));
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
    throw std::invalid_argument(fmt::format("\"{}\" has no host (expected https://host[:port])", url));
  }
  if (u.has_userinfo() || u.has_query() || u.has_fragment() || (!u.path().empty() && u.path() != "/")) {
    throw std::invalid_argument(
        fmt::format("\"{}\": only scheme, host and port are allowed (expected https://host[:port])", url));
  }
  ep.port = u.has_port() ? std::string(u.port()) : (ep.tls ? "443" : "80");
  if (!ep.tls && !is_loopback_host(ep.host)) {
    throw std::invalid_argument(fmt::format(
        "\"{}\": plain http:// only for loopback hosts (127.0.0.0/8, ::1, localhost): use https://", url));
  }
  return ep;
}

}  // namespace cphfleet
