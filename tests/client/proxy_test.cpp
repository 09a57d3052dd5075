#include "client/proxy.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "client/https_client.hpp"

namespace cphfleet {
namespace {

TEST(proxy_test, no_proxy_matches_hosts_domains_and_star) {
  proxy_settings p{"http://proxy:3128", "localhost, .internal.example,10.1.2.3,myhuaweicloud.com"};
  EXPECT_TRUE(p.bypasses("localhost"));
  EXPECT_TRUE(p.bypasses("a.internal.example"));
  EXPECT_TRUE(p.bypasses("internal.example"));
  EXPECT_TRUE(p.bypasses("10.1.2.3"));
  EXPECT_TRUE(p.bypasses("cph.cn-north-4.MyHuaweiCloud.com"));
  EXPECT_FALSE(p.bypasses("evilmyhuaweicloud.com"));
  EXPECT_FALSE(p.bypasses("10.1.2.33"));
  EXPECT_TRUE((proxy_settings{"http://p:1", "*"}.bypasses("anything")));
  EXPECT_FALSE((proxy_settings{"http://p:1", ""}.bypasses("anything")));
}

TEST(proxy_test, proxy_settings_prefer_lowercase_variables) {
  auto p = proxy_settings::from_environment([](std::string_view name) -> std::optional<std::string> {
    if (name == "https_proxy") return "http://lower:1";
    if (name == "HTTPS_PROXY") return "http://upper:1";
    if (name == "NO_PROXY") return "example.com";
    return std::nullopt;
  });
  EXPECT_EQ(p.https_proxy, "http://lower:1");
  EXPECT_EQ(p.no_proxy, "example.com");
}

TEST(proxy_test, only_https_targets_not_named_in_no_proxy_take_the_route) {
  const auto target = parse_endpoint("https://cph.example.com");
  auto route = route_to(target, {"user:pa%3Ass@proxy.internal", ""});
  ASSERT_TRUE(route);
  EXPECT_FALSE(route->address.tls);
  EXPECT_EQ(route->address.host, "proxy.internal");
  EXPECT_EQ(route->address.port, "1080");
  EXPECT_EQ(route->authorization, "Basic dXNlcjpwYTpzcw==");  // user:pa:ss
  auto v6 = route_to(target, {"http://[fd00::1]:3128", ""});
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->address.host_header(), "[fd00::1]:3128");
  EXPECT_EQ(v6->authorization, "");
  EXPECT_FALSE(route_to(target, {"", ""}));
  EXPECT_FALSE(route_to(target, {"http://proxy:3128", "example.com"}));
  EXPECT_FALSE(route_to(parse_endpoint("http://127.0.0.1:8080"), {"http://proxy:3128", ""}));
}

// Each of these is refused, and the message quotes it with the password hidden.
const std::pair<const char*, const char*> unsupported_proxies[] = {
    {"socks5://alice:s3cret@proxy:1080", "socks5://alice:***@proxy:1080"},
    {"https://alice:s3cret@proxy:3128", "https://alice:***@proxy:3128"},
    {"http://alice:s3cret@", "http://alice:***@"},
    {"http://alice:s3c ret@proxy:3128/", "http://alice:***@proxy:3128/"},
    {"http://alice:s3cret@pro xy:3128", "http://alice:***@pro xy:3128"},
};

TEST(proxy_test, an_unsupported_proxy_url_is_quoted_with_its_password_hidden) {
  const auto target = parse_endpoint("https://cph.example.com");
  for (const auto& [url, shown] : unsupported_proxies) {
    try {
      route_to(target, {url, ""});
      FAIL() << "accepted " << url;
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()), std::string("HTTPS_PROXY \"") + shown +
                                           "\": not supported (expected http://[user:password@]host[:port])");
    }
  }
}

TEST(proxy_test, the_client_refuses_an_unsupported_proxy_without_showing_its_password) {
  net::io_context io;
  for (const auto& [url, shown] : unsupported_proxies) {
    https_client_options o;
    o.proxy = {url, ""};
    try {
      https_client c(io.get_executor(), parse_endpoint("https://cph.example.com"), o);
      FAIL() << "accepted " << url;
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()).find("s3c"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(shown), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace cphfleet
