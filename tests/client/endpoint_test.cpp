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

}  // namespace
}  // namespace cphfleet
