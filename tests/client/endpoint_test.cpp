#include "client/endpoint.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace cphfleet {
namespace {

TEST(endpoint_test, endpoint_parses_host_port_and_the_host_header) {
  auto e = parse_endpoint("https://cph.cn-north-4.myhuaweicloud.com");
  EXPECT_TRUE(e.tls);
  EXPECT_EQ(e.host, "cph.cn-north-4.myhuaweicloud.com");
  EXPECT_EQ(e.port, "443");
  EXPECT_EQ(e.host_header(), "cph.cn-north-4.myhuaweicloud.com");
  auto local = parse_endpoint("http://127.0.0.1:8080/");
  EXPECT_FALSE(local.tls);
  EXPECT_EQ(local.host_header(), "127.0.0.1:8080");
  EXPECT_EQ(parse_endpoint("http://[::1]:9000").host_header(), "[::1]:9000");
  EXPECT_EQ(parse_endpoint("http://localhost:9000").host, "localhost");
  EXPECT_EQ(parse_endpoint("https://example.com:8443").to_string(), "https://example.com:8443");
}

TEST(endpoint_test, plain_http_is_refused_for_anything_but_loopback) {
  try {
    parse_endpoint("http://cph.cn-north-4.myhuaweicloud.com");
    FAIL() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "\"http://cph.cn-north-4.myhuaweicloud.com\": plain http:// only for loopback hosts "
                 "(127.0.0.0/8, ::1, localhost): use https://");
  }
  EXPECT_NO_THROW(parse_endpoint("http://127.3.2.1:1"));
  EXPECT_THROW(parse_endpoint("http://10.0.0.1:1"), std::invalid_argument);
  EXPECT_THROW(parse_endpoint("ftp://example.com"), std::invalid_argument);
  EXPECT_THROW(parse_endpoint("https://example.com/v1"), std::invalid_argument);
  EXPECT_THROW(parse_endpoint("cph.example.com"), std::invalid_argument);
}

TEST(endpoint_test, loopback_is_told_from_the_text_alone) {
  for (const char* host : {"127.0.0.1", "127.255.255.254", "127.3.2.1", "::1", "[::1]", "localhost",
                           "LocalHost", "0:0:0:0:0:0:0:1"}) {
    EXPECT_TRUE(is_loopback_host(host)) << host;
  }
  // Not loopback by their text, whatever a resolver might make of them.
  for (const char* host : {"", "128.0.0.1", "126.255.255.255", "10.0.0.1", "0.0.0.0", "::", "::2", "127.1",
                           "0x7f.0.0.1", "127.0.0.1.nip.io", "localhost.example.com", "my-localhost",
                           "localhost.", "[127.0.0.1]", "127.0.0.1:80", " 127.0.0.1", "[::1"}) {
    EXPECT_FALSE(is_loopback_host(host)) << host;
  }
}

TEST(endpoint_test, a_password_is_redacted_from_every_endpoint_message) {
  for (const char* url : {"https://user:s3cret@example.com", "http://user:s3cret@10.0.0.1:80",
                          "https://user:s3cret@example.com/v1", "https://user:s3cret@@bad url"}) {
    try {
      parse_endpoint(url);
      FAIL() << "accepted " << url;
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("user:***@"), std::string::npos) << e.what();
    }
  }
}

TEST(endpoint_test, redact_password_hides_only_the_password) {
  EXPECT_EQ(redact_password("http://user:pass@proxy:3128"), "http://user:***@proxy:3128");
  EXPECT_EQ(redact_password("http://user:p@ss:w/rd@proxy:3128"), "http://user:***@proxy:3128");
  EXPECT_EQ(redact_password("user:pass@proxy:3128"), "user:***@proxy:3128");
  EXPECT_EQ(redact_password("socks5://u:p%40ss@[::1]:1080"), "socks5://u:***@[::1]:1080");
  EXPECT_EQ(redact_password("http://user:@proxy"), "http://user:***@proxy");
  EXPECT_EQ(redact_password("http://:pass@proxy"), "http://:***@proxy");
  // Nothing to hide.
  EXPECT_EQ(redact_password("http://user@proxy:3128"), "http://user@proxy:3128");
  EXPECT_EQ(redact_password("http://proxy:3128"), "http://proxy:3128");
  EXPECT_EQ(redact_password("http://[::1]:3128"), "http://[::1]:3128");
  EXPECT_EQ(redact_password(""), "");
}

}  // namespace
}  // namespace cphfleet
