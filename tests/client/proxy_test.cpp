#include "client/proxy.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

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

}  // namespace
}  // namespace cphfleet
