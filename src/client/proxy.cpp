#include "client/proxy.hpp"

#include "base/text.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <boost/url/parse.hpp>
#include <stdexcept>

namespace cphfleet {

namespace {

std::string base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace

proxy_settings proxy_settings::from_environment(const env_lookup& env) {
  auto first = [&](std::string_view a, std::string_view b) {
    auto v = env(a);
    if (!v || v->empty()) v = env(b);
    return v.value_or("");
  };
  return proxy_settings{first("https_proxy", "HTTPS_PROXY"), first("no_proxy", "NO_PROXY")};
}

bool proxy_settings::bypasses(std::string_view host_in) const {
  const std::string host = to_lower(host_in);
  std::size_t pos = 0;
  while (pos <= no_proxy.size()) {
    std::size_t end = no_proxy.find(',', pos);
    if (end == std::string::npos) end = no_proxy.size();
    std::string entry = to_lower(trim(std::string_view(no_proxy).substr(pos, end - pos)));
    pos = end + 1;
    if (entry.empty()) continue;
    if (entry == "*") return true;
    if (entry.front() == '[' && entry.back() == ']') entry = entry.substr(1, entry.size() - 2);
    if (entry.front() == '.') entry.erase(0, 1);
    // `example.com` covers the host itself and every name under it, as curl reads it.
    if (host == entry) return true;
    if (host.size() > entry.size() && host.ends_with(entry) && host[host.size() - entry.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

std::optional<proxy_route> route_to(const endpoint& target, const proxy_settings& settings) {
  if (!target.tls || settings.https_proxy.empty() || settings.bypasses(target.host)) return std::nullopt;
  std::string url = settings.https_proxy;
  if (url.find("://") == std::string::npos) url = "http://" + url;
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || to_lower(parsed->scheme()) != "http" || parsed->host().empty()) {
    throw std::runtime_error(
        fmt::format("HTTPS_PROXY \"{}\": not supported (expected http://[user:password@]host[:port])",
                    redact_password(settings.https_proxy)));
  }
  proxy_route route;
  route.address.tls = false;
  route.address.host = parsed->host_type() == boost::urls::host_type::ipv6 ? parsed->host_address()
                                                                           : std::string(parsed->host());
  route.address.port = parsed->has_port() ? std::string(parsed->port()) : "1080";  // curl's default
  if (parsed->has_userinfo()) {
    route.authorization =
        "Basic " + base64(std::string(parsed->user()) + ":" + std::string(parsed->password()));
  }
  return route;
}

net::awaitable<std::optional<tunnel_failure>> open_tunnel(beast::tcp_stream& stream, const proxy_route& route,
                                                          const endpoint& target) {
  // CONNECT always names the port, whatever the scheme's default.
  const std::string authority =
      (target.host.find(':') != std::string::npos ? "[" + target.host + "]" : target.host) + ":" +
      target.port;
  http::request<http::empty_body> connect_req{http::verb::connect, authority, 11};
  connect_req.set(http::field::host, authority);
  if (!route.authorization.empty()) connect_req.set(http::field::proxy_authorization, route.authorization);
  auto [wec, wn] = co_await http::async_write(stream, connect_req, net::as_tuple(net::use_awaitable));
  (void)wn;
  beast::flat_buffer buf;
  http::response_parser<http::empty_body> parser;
  parser.skip(true);  // a 2xx answer to CONNECT has no body: the tunnel starts right after the header
  boost::system::error_code rec = wec;
  if (!rec) {
    auto [ec2, rn] = co_await http::async_read_header(stream, buf, parser, net::as_tuple(net::use_awaitable));
    (void)rn;
    rec = ec2;
  }
  if (rec) {
    if (rec == beast::error::timeout) co_return tunnel_failure{true, {}};
    co_return tunnel_failure{false, fmt::format("{}: {}", route.address.host_header(), rec.message())};
  }
  const auto& answer = parser.get();
  if (answer.result_int() / 100 != 2 || buf.size() != 0) {
    co_return tunnel_failure{
        false, fmt::format("{} answered CONNECT {} with {} {}", route.address.host_header(), authority,
                           answer.result_int(), std::string(answer.reason()))};
  }
  co_return std::nullopt;
}

}  // namespace cphfleet
