#include "api/signer.hpp"

#include "base/time_text.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace cphfleet {
namespace {

// Line `n` (0-based) of a canonical request.
std::string line_of(const std::string& canonical, int n) {
  std::istringstream in(canonical);
  std::string line;
  for (int i = 0; i <= n; ++i) std::getline(in, line);
  return line;
}

signing_input go_sdk_vector(std::string method, std::string query, std::string body) {
  // The official Go SDK's test setup (docs/service.md "Authentication"): host not signed, only x-sdk-date.
  return signing_input{
      std::move(method), "/path", std::move(query), {{"X-Sdk-Date", "20060102T150405Z"}}, std::move(body)};
}

TEST(signer_test, public_vector_get_with_query_matches_the_go_sdk) {
  auto in = go_sdk_vector("GET", "limit=1", "");
  EXPECT_EQ(authorization("AccessKey", "SecretKey", in),
            "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, "
            "Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624");
}

TEST(signer_test, public_vector_post_with_body_matches_the_go_sdk) {
  auto in = go_sdk_vector("POST", "key=value", "{\"Name\":\"test\",\"Id\":1}\n");
  EXPECT_EQ(authorization("AccessKey", "SecretKey", in),
            "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, "
            "Signature=cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59");
}

TEST(signer_test, canonical_request_has_the_blank_line_and_the_body_hash) {
  auto in = go_sdk_vector("GET", "limit=1", "");
  EXPECT_EQ(canonical_request(in),
            "GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(string_to_sign(canonical_request(in), "20060102T150405Z"),
            "SDK-HMAC-SHA256\n20060102T150405Z\n" + hex_sha256(canonical_request(in)));
}

TEST(signer_test, canonical_uri_gets_a_trailing_slash_and_encodes_each_segment) {
  auto uri = [](std::string path) {
    return line_of(canonical_request({"GET", std::move(path), "", {}, ""}), 1);
  };
  EXPECT_EQ(uri("/v1/0123abc/cloud-phone/phones"), "/v1/0123abc/cloud-phone/phones/");
  EXPECT_EQ(uri("/v1/p/cloud-phone/servers/"), "/v1/p/cloud-phone/servers/");
  EXPECT_EQ(uri("/"), "/");
  // Unreserved characters stay; the rest is percent-encoded with uppercase hex, and what was sent
  // encoded is not encoded twice.
  EXPECT_EQ(uri("/a-b_c.d~e/x"), "/a-b_c.d~e/x/");
  EXPECT_EQ(uri("/a%20b/%e6%b8%b8"), "/a%20b/%E6%B8%B8/");
  EXPECT_EQ(uri("/v1/p/servers/a%3Ab"), "/v1/p/servers/a%3Ab/");
}

TEST(signer_test, canonical_query_sorts_by_key_then_value_and_encodes) {
  auto query = [](std::string q) {
    return line_of(canonical_request({"GET", "/", std::move(q), {}, ""}), 2);
  };
  EXPECT_EQ(query(""), "");
  EXPECT_EQ(query("offset=0&limit=100&server_name=game-eu-001"),
            "limit=100&offset=0&server_name=game-eu-001");
  EXPECT_EQ(query("b=2&a=1&a=0"), "a=0&a=1&b=2");
  EXPECT_EQ(query("server_name=%E6%B8%B8%E6%88%8F"), "server_name=%E6%B8%B8%E6%88%8F");
  EXPECT_EQ(query("name=a%20b"), "name=a%20b");
  EXPECT_EQ(query("name=a+b"), "name=a%20b");  // a form-encoded space is signed as %20
  EXPECT_EQ(query("flag"), "flag=");
  EXPECT_EQ(query("k=a%2Fb%3D"), "k=a%2Fb%3D");
}

TEST(signer_test, headers_are_lowercased_trimmed_and_sorted) {
  signing_input in{"POST",
                   "/v1/p/cloud-phone/phones",
                   "",
                   {{"X-Sdk-Date", "20240101T000000Z"},
                    {"Host", "cph.cn-north-4.myhuaweicloud.com"},
                    {"Content-Type", " application/json "},
                    {"X-Project-Id", "p"}},
                   "{}"};
  const auto c = canonical_request(in);
  EXPECT_EQ(line_of(c, 3), "content-type:application/json");
  EXPECT_EQ(line_of(c, 4), "host:cph.cn-north-4.myhuaweicloud.com");
  EXPECT_EQ(line_of(c, 5), "x-project-id:p");
  EXPECT_EQ(line_of(c, 6), "x-sdk-date:20240101T000000Z");
  EXPECT_EQ(line_of(c, 8), "content-type;host;x-project-id;x-sdk-date");
  auto header = authorization("AK", "SK", in);
  EXPECT_EQ(
      header.rfind("SDK-HMAC-SHA256 Access=AK, SignedHeaders=content-type;host;x-project-id;x-sdk-date, "
                   "Signature=",
                   0),
      0u)
      << header;
}

TEST(signer_test, authorization_parses_back) {
  auto header = authorization("AccessKey", "SecretKey", go_sdk_vector("GET", "limit=1", ""));
  parsed_authorization p;
  ASSERT_TRUE(parse_authorization(header, p));
  EXPECT_EQ(p.access, "AccessKey");
  EXPECT_EQ(p.signed_headers, std::vector<std::string>{"x-sdk-date"});
  EXPECT_EQ(p.signature, "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624");
  EXPECT_FALSE(parse_authorization("Bearer x", p));
}

TEST(signer_test, sdk_date_is_utc_compact) {
  EXPECT_EQ(sdk_date(1136214245), "20060102T150405Z");
  EXPECT_EQ(sdk_date(0), "19700101T000000Z");
}

}  // namespace
}  // namespace cphfleet
