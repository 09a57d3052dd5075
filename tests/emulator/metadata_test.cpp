// The emulator's ECS metadata service on a clock the test sets: what a fetch gives, and which requests
// signed with the temporary keys its gateway accepts.
#include "emulator/metadata.hpp"

#include "api/signer.hpp"
#include "base/time_text.hpp"
#include "emulator/auth.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <optional>
#include <string>

namespace cphfleet {
namespace {

struct issued_key {
  std::string access, secret, token, expires_at;
};

issued_key fetch(metadata_service& m, std::int64_t now_s) {
  http::request<http::string_body> req{http::verb::get, "/openstack/latest/securitykey", 11};
  answer a = m.handle(req, "/openstack/latest/securitykey", now_s);
  EXPECT_EQ(a.status, http::status::ok);
  const boost::json::value doc = boost::json::parse(a.body);
  const auto& c = doc.at("credential").as_object();
  return {std::string(c.at("access").as_string()), std::string(c.at("secret").as_string()),
          std::string(c.at("securitytoken").as_string()), std::string(c.at("expires_at").as_string())};
}

// A signed GET of a path, with X-Security-Token when `token` is set (signed when `sign_token`).
std::optional<std::string> check(const metadata_service& m, const issued_key& k, std::int64_t now_s,
                                 std::optional<std::string> token, bool sign_token = true) {
  emulator_options o;
  o.ak = "LongLivedAK";
  o.sk = "LongLivedSK";
  signing_input in{
      "GET", "/v1/p/cloud-phone/servers", "", {{"Host", "127.0.0.1"}, {"X-Sdk-Date", sdk_date(now_s)}}, ""};
  if (token && sign_token) in.headers.emplace_back("X-Security-Token", *token);
  http::request<http::string_body> req{http::verb::get, in.path, 11};
  for (const auto& [name, value] : in.headers) req.set(name, value);
  if (token && !sign_token) req.set("X-Security-Token", *token);
  req.set(http::field::authorization, authorization(k.access, k.secret, in));
  return auth_refusal(o, req, in.path, in.query, now_s, &m);
}

TEST(metadata_test, a_fetch_gives_new_keys_that_expire_the_lifetime_ahead) {
  metadata_service m(60);
  const std::int64_t now = 1'800'000'000;
  issued_key a = fetch(m, now);
  issued_key b = fetch(m, now);
  EXPECT_NE(a.access, b.access);
  EXPECT_EQ(a.access.size(), 20u);
  EXPECT_EQ(a.expires_at, rfc3339_ms((now + 60) * 1000));
  ASSERT_NE(m.find(a.access), nullptr);
  EXPECT_EQ(m.find(a.access)->expires_at_s, now + 60);
  EXPECT_TRUE(m.serves("/openstack/latest/securitykey"));
  EXPECT_FALSE(metadata_service(0).serves("/openstack/latest/securitykey"));
}

TEST(metadata_test, the_gateway_accepts_an_issued_key_with_its_signed_token_until_it_expires) {
  metadata_service m(60);
  const std::int64_t now = 1'800'000'000;
  issued_key k = fetch(m, now);
  EXPECT_EQ(check(m, k, now + 59, k.token), std::nullopt);
  EXPECT_EQ(check(m, k, now + 60, k.token), "the temporary access key has expired");
  EXPECT_EQ(check(m, k, now, std::nullopt),
            "X-Security-Token header is missing (a temporary access key needs it)");
  EXPECT_EQ(check(m, k, now, "another"), "the X-Security-Token does not belong to this access key");
  EXPECT_EQ(check(m, k, now, k.token, false), "x-security-token is not among the SignedHeaders");
  issued_key forged = k;
  forged.secret = "not-its-secret";
  EXPECT_EQ(
      check(m, forged, now, k.token),
      "the signature does not match the request (the method, path, query, signed headers or body differ "
      "from what was signed, or the secret key is wrong)");
  issued_key unknown = k;
  unknown.access = "TMPNOTISSUED00000000";
  EXPECT_EQ(check(m, unknown, now, k.token), "unknown access key");
}

TEST(metadata_test, a_session_token_is_optional_but_must_be_one_it_issued) {
  metadata_service m(60);
  http::request<http::string_body> put{http::verb::put, "/meta-data/latest/api/token", 11};
  answer t = m.handle(put, "/meta-data/latest/api/token", 0);
  ASSERT_EQ(t.status, http::status::ok);
  http::request<http::string_body> get{http::verb::get, "/openstack/latest/securitykey", 11};
  get.set("X-Metadata-Token", t.body);
  EXPECT_EQ(m.handle(get, "/openstack/latest/securitykey", 0).status, http::status::ok);
  get.set("X-Metadata-Token", "made-up");
  EXPECT_EQ(m.handle(get, "/openstack/latest/securitykey", 0).status, http::status::unauthorized);
  EXPECT_EQ(m.handle(put, "/openstack/latest/securitykey", 0).status, http::status::method_not_allowed);
}

}  // namespace
}  // namespace cphfleet
