#include "base/loopback.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core/string.hpp>

#include <string>

namespace cphfleet {

bool is_loopback_host(std::string_view host) {
  if (boost::beast::iequals(host, "localhost")) return true;
  // make_address reads only literals (inet_pton: four decimal parts for IPv4); it never resolves.
  boost::system::error_code ec;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {  // brackets hold IPv6 only
    auto v6 = boost::asio::ip::make_address_v6(std::string(host.substr(1, host.size() - 2)), ec);
    return !ec && v6.is_loopback();
  }
  auto addr = boost::asio::ip::make_address(std::string(host), ec);
  return !ec && addr.is_loopback();
}

}  // namespace cphfleet
