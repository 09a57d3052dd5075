// The gateway's credential checks: auth_refusal on a clock the test sets, and the emulator over real
// sockets refusing what was not signed.
#include "emulator/auth.hpp"

#include "api/signer.hpp"
#include "base/time_text.hpp"
#include "emulator/emulator_fixture.hpp"
#include "emulator/routes.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace cphfleet {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using namespace test;

// A GET of the server list signed by `ak`/`sk` at `date_s`, as the runner's client signs it.
emulator_request signed_list(const std::string& ak, const std::string& sk, std::int64_t date_s,
                             const std::string& date_header = {}) {
  signing_input in;
  in.method = "GET";
  in.path = servers;
  in.query = "limit=100&offset=0";
  in.headers = {{"Host", "127.0.0.1:8443"},
                {"X-Sdk-Date", date_header.empty() ? sdk_date(date_s) : date_header},
                {"X-Project-Id", pid}};
  emulator_request req{http::verb::get, in.path + "?" + in.query, 11};
  for (const auto& [name, value] : in.headers) req.set(name, value);
  req.set(http::field::authorization, authorization(ak, sk, in));
  return req;
}

emulator_options aksk() {
  emulator_options o;
  o.ak = "AKTEST";
  o.sk = "secret-key-value";
  return o;
}

std::optional<std::string> refusal(const emulator_options& o, const emulator_request& req,
                                   std::int64_t now_s) {
  std::string_view target = req.target();
  auto q = target.find('?');
  return auth_refusal(o, req, target.substr(0, q), q == target.npos ? "" : target.substr(q + 1), now_s);
}

TEST(emulator_auth_test, a_signature_passes_within_15_minutes_of_the_service_clock_only) {
  const std::int64_t signed_at = 1'800'000'000;
  auto req = signed_list("AKTEST", "secret-key-value", signed_at);
  const std::string skew = "X-Sdk-Date is more than 15 minutes away from the service's clock";
  EXPECT_EQ(refusal(aksk(), req, signed_at), std::nullopt);
  EXPECT_EQ(refusal(aksk(), req, signed_at + 15 * 60), std::nullopt);
  EXPECT_EQ(refusal(aksk(), req, signed_at - 15 * 60), std::nullopt);
  EXPECT_EQ(refusal(aksk(), req, signed_at + 15 * 60 + 1), skew);
  EXPECT_EQ(refusal(aksk(), req, signed_at - 15 * 60 - 1), skew);
}

TEST(emulator_auth_test, a_date_that_is_not_a_calendar_time_is_refused) {
  for (std::string date : {"20261301T000000Z", "20261126T250000Z", "20261126T1000Z", "2026-11-26T10:00Z"}) {
    auto req = signed_list("AKTEST", "secret-key-value", 0, date);
    EXPECT_EQ(refusal(aksk(), req, 1'800'000'000), "X-Sdk-Date is not YYYYMMDDTHHMMSSZ") << date;
  }
}

TEST(emulator_auth_test, without_configured_credentials_every_call_passes) {
  emulator_request bare{http::verb::get, servers, 11};
  EXPECT_EQ(refusal(emulator_options{}, bare, 0), std::nullopt);
  emulator_options token;
  token.token = "t";
  EXPECT_EQ(refusal(token, bare, 0), "X-Auth-Token header is missing");
  bare.set("X-Auth-Token", "t");
  EXPECT_EQ(refusal(token, bare, 0), std::nullopt);
}

// ---- over real sockets ----

struct signed_call {
  std::string method = "GET";
  std::string path = servers;
  std::string query;
  std::string body;
  std::int64_t date = 0;  // unix seconds; 0 = now
};

signed_call get_call(std::string query) {
  signed_call c;
  c.query = std::move(query);
  return c;
}

signed_call post_call(std::string body) {
  signed_call c;
  c.method = "POST";
  c.path = phones;
  c.body = std::move(body);
  return c;
}

header_list sign(const signed_call& call, unsigned short port, const std::string& ak, const std::string& sk,
                 bool security_token = false) {
  auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  signing_input in;
  in.method = call.method;
  in.path = call.path;
  in.query = call.query;
  in.body = call.body;
  in.headers = {{"Host", fmt::format("127.0.0.1:{}", port)},
                {"X-Sdk-Date", sdk_date(call.date != 0 ? call.date : now.count())},
                {"X-Project-Id", pid}};
  if (call.method == "POST") in.headers.emplace_back("Content-Type", "application/json");
  if (security_token) in.headers.emplace_back("X-Security-Token", "temporary-token");
  header_list out(in.headers.begin(), in.headers.end());
  out.emplace_back("Authorization", authorization(ak, sk, in));
  return out;
}

http_result send(http_client& c, const signed_call& call, const header_list& headers) {
  return c.request(call.method, call.path + (call.query.empty() ? "" : "?" + call.query), headers, call.body);
}

TEST(emulator_auth_test, aksk_signed_requests_are_accepted) {
  emulator_options o;
  o.ak = "AKTEST";
  o.sk = "secret-key-value";
  running_emulator emu(o);
  auto c = emu.client();
  signed_call list_call = get_call("limit=10&server_name=a%20b&offset=0");
  auto r = send(c, list_call, sign(list_call, emu.port(), o.ak, o.sk));
  EXPECT_EQ(r.status, 200u) << r.body;
  signed_call buy_call = post_call(purchase_body("signed"));
  r = send(c, buy_call, sign(buy_call, emu.port(), o.ak, o.sk, /*security_token=*/true));
  EXPECT_EQ(r.status, 200u) << r.body;
  // The admin endpoints are not signed.
  EXPECT_EQ(orders_of(c).size(), 1u);
}

TEST(emulator_auth_test, aksk_rejects_what_was_not_signed_and_says_which_part_failed) {
  emulator_options o;
  o.ak = "AKTEST";
  o.sk = "secret-key-value";
  running_emulator emu(o);
  auto c = emu.client();
  const std::string prefix = "Incorrect IAM authentication information: ";
  const std::string mismatch =
      prefix +
      "the signature does not match the request (the method, path, query, signed headers or body differ from "
      "what was signed, or the secret key is wrong)";
  auto expect_401 = [&](const http_result& r, const std::string& message, const std::string& what) {
    EXPECT_EQ(r.status, 401u) << what;
    EXPECT_EQ(r.error_code(), "APIGW.0301") << what;
    EXPECT_EQ(r.error_msg(), message) << what;
    EXPECT_EQ(r.body.find(o.sk), std::string::npos) << what;
  };

  signed_call buy_call = post_call(purchase_body("x"));
  auto headers = sign(buy_call, emu.port(), o.ak, o.sk);
  auto tampered = buy_call;
  tampered.body = purchase_body("x", 2);
  auto r = send(c, tampered, headers);
  expect_401(r, mismatch, "tampered body");
  EXPECT_EQ(r.body.find(headers.back().second.substr(headers.back().second.rfind('=') + 1)),
            std::string::npos)
      << "the signature is never echoed";

  signed_call list_call = get_call("limit=10");
  auto changed = list_call;
  changed.query = "limit=11";
  expect_401(send(c, changed, sign(list_call, emu.port(), o.ak, o.sk)), mismatch, "changed query");

  expect_401(send(c, list_call, sign(list_call, emu.port(), o.ak, "wrong-secret")), mismatch, "wrong SK");

  auto stale = list_call;
  stale.date = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch() - std::chrono::minutes(16))
                   .count();
  expect_401(send(c, stale, sign(stale, emu.port(), o.ak, o.sk)),
             prefix + "X-Sdk-Date is more than 15 minutes away from the service's clock", "stale date");

  expect_401(send(c, list_call, sign(list_call, emu.port(), "AKOTHER", o.sk)), prefix + "unknown access key",
             "wrong AK");
  expect_401(c.request("GET", servers), prefix + "Authorization header is missing", "no Authorization");
  expect_401(
      c.request("GET", servers, {{"Authorization", "Bearer x"}}),
      prefix + "Authorization header is not \"SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...\"",
      "other scheme");

  // A signed header that was dropped on the way.
  auto h = sign(list_call, emu.port(), o.ak, o.sk);
  std::erase_if(h, [](const auto& kv) { return kv.first == "X-Project-Id"; });
  expect_401(send(c, list_call, h), prefix + "signed header \"x-project-id\" is not in the request",
             "missing signed header");

  EXPECT_TRUE(orders_of(c).empty());
  auto stats = c.request("GET", "/_emulator/stats").json();
  EXPECT_EQ(stats.at("auth_failures").to_number<std::uint64_t>(), 8u);
}

TEST(emulator_auth_test, a_token_is_checked_when_configured) {
  emulator_options o;
  o.token = "iam-token";
  running_emulator emu(o);
  auto c = emu.client();
  EXPECT_EQ(c.request("GET", servers, {{"X-Auth-Token", "iam-token"}}).status, 200u);
  auto wrong = c.request("GET", servers, {{"X-Auth-Token", "other"}});
  EXPECT_EQ(wrong.status, 401u);
  EXPECT_EQ(wrong.error_code(), "APIGW.0301");
  EXPECT_EQ(wrong.error_msg(),
            "Incorrect IAM authentication information: the X-Auth-Token is invalid or expired");
  auto missing = c.request("GET", servers);
  EXPECT_EQ(missing.status, 401u);
  EXPECT_EQ(missing.error_msg(), "Incorrect IAM authentication information: X-Auth-Token header is missing");
}

}  // namespace
}  // namespace cphfleet
