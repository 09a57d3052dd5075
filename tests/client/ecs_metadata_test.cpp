// The ECS metadata client against the emulator's metadata service on 127.0.0.1 (and a scripted server
// for the answers the emulator does not give): fetch, parse, expiry, refresh, and a signed call with
// the temporary keys.
#include "client/ecs_metadata.hpp"

#include "client/cph_client.hpp"
#include "emulator/server.hpp"
#include "support/fixture_server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include <chrono>

namespace cphfleet::test {
namespace {

using namespace std::chrono_literals;

std::int64_t unix_now() { return cph_client::system_unix_seconds(); }

TEST(ecs_metadata_test, the_securitykey_document_is_read_as_the_sdk_reads_it) {
  auto c = parse_ecs_credential(
      R"({"credential":{"access":"TMPAK","secret":"s3","securitytoken":"tok","expires_at":"2026-11-26T10:00:00.000000Z"}})");
  EXPECT_EQ(c.access, "TMPAK");
  EXPECT_EQ(c.secret, "s3");
  EXPECT_EQ(c.security_token, "tok");
  EXPECT_EQ(c.expires_at_s, 1795687200);
  auto error_of = [](std::string_view body) -> std::string {
    try {
      parse_ecs_credential(body);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(error_of("<html>"), "not a JSON object");
  EXPECT_EQ(error_of(R"({"access":"x"})"), "no \"credential\" object");
  EXPECT_EQ(error_of(R"({"credential":{"access":"x","expires_at":"2026-11-26T10:00:00Z"}})"),
            "credential.secret, credential.securitytoken is missing");
  EXPECT_EQ(
      error_of(R"({"credential":{"access":"a","secret":"b","securitytoken":"c","expires_at":"tomorrow"}})"),
      "credential.expires_at 'tomorrow' is not an RFC 3339 time");
}

struct metadata_emulator {
  explicit metadata_emulator(std::int64_t lifetime_s)
      : emu(io, options(lifetime_s)), url((emu.start(), emu.url())) {}
  static emulator_options options(std::int64_t lifetime_s) {
    emulator_options o;
    o.ak = "LongLivedAK";
    o.sk = "LongLivedSK";
    o.metadata_lifetime_s = lifetime_s;
    return o;
  }
  template <typename T>
  T run(net::awaitable<T> a) {
    return run_sync(io, std::move(a));
  }
  net::io_context io;
  emulator emu;
  std::string url;
};

TEST(ecs_metadata_test, a_fetch_from_the_emulator_gives_keys_that_expire_as_it_says) {
  metadata_emulator e(3600);
  ecs_metadata_client client(e.io.get_executor(), e.url);
  const std::int64_t before = unix_now();
  ecs_credential c = e.run(client.fetch());
  EXPECT_EQ(c.access.substr(0, 3), "TMP");
  EXPECT_EQ(c.secret.size(), 40u);
  EXPECT_FALSE(c.security_token.empty());
  EXPECT_GE(c.expires_at_s, before + 3600 - 1);  // the emulator writes milliseconds, read as seconds
  EXPECT_LE(c.expires_at_s, unix_now() + 3600);
  EXPECT_EQ(client.fetches(), 1);
  // The session token first (the emulator hands them out), then the keys.
  EXPECT_EQ(e.emu.stats().metadata_requests, 2u);
}

TEST(ecs_metadata_test, keys_that_expire_within_the_margin_are_fetched_again_before_each_request) {
  // 60 s is inside the 40 min margin: every signed request fetches first, as the SDK's rule does.
  metadata_emulator e(60);
  https_client http(e.io.get_executor(), parse_endpoint(e.url));
  credentials start;
  start.type = credentials::kind::aksk;
  start.source = credential_source::ecs_metadata;
  start.source_where = e.url;
  start.project_id = "0123456789abcdef0123456789abcdef";
  cph_client client(http, start);
  ecs_credential_refresher refresher(e.io.get_executor(), e.url, unix_now);
  client.set_credentials_hook([&](credentials& c) { return refresher.refresh(c); });

  auto deadline = [] { return std::chrono::steady_clock::now() + 5s; };
  auto first = e.run(client.list_servers("x", deadline()));
  ASSERT_EQ(first.report.http_status, 200) << first.report.error_code << " " << first.report.error_msg;
  const std::string first_ak = client.creds().access_key;
  EXPECT_EQ(first_ak.substr(0, 3), "TMP");
  EXPECT_EQ(refresher.fetches(), 1);

  auto second = e.run(client.list_servers("x", deadline()));
  ASSERT_EQ(second.report.http_status, 200) << second.report.error_msg;
  EXPECT_EQ(refresher.fetches(), 2);
  EXPECT_NE(client.creds().access_key, first_ak);
  // One token request, then one securitykey request per fetch.
  EXPECT_EQ(e.emu.stats().metadata_requests, 3u);
  EXPECT_EQ(e.emu.stats().auth_failures, 0u);
}

TEST(ecs_metadata_test, keys_far_from_expiry_are_reused) {
  metadata_emulator e(6 * 3600);
  https_client http(e.io.get_executor(), parse_endpoint(e.url));
  credentials start;
  start.type = credentials::kind::aksk;
  start.project_id = "0123456789abcdef0123456789abcdef";
  cph_client client(http, start);
  ecs_credential_refresher refresher(e.io.get_executor(), e.url, unix_now);
  client.set_credentials_hook([&](credentials& c) { return refresher.refresh(c); });
  for (int i = 0; i < 3; ++i) {
    auto r = e.run(client.list_servers("x", std::chrono::steady_clock::now() + 5s));
    ASSERT_EQ(r.report.http_status, 200) << r.report.error_msg;
  }
  EXPECT_EQ(refresher.fetches(), 1);
}

TEST(ecs_metadata_test, requests_waiting_for_a_fetch_share_it) {
  metadata_emulator e(6 * 3600);
  credentials c;
  ecs_credential_refresher refresher(e.io.get_executor(), e.url, unix_now);
  int ok = 0;
  auto one = [&]() -> net::awaitable<void> {
    if (!co_await refresher.refresh(c)) ++ok;
  };
  auto both = [&]() -> net::awaitable<int> {
    using namespace net::experimental::awaitable_operators;
    co_await (one() && one());  // the second starts while the first waits for its answer
    co_return ok;
  };
  EXPECT_EQ(e.run(both()), 2);
  EXPECT_EQ(refresher.fetches(), 1);
  EXPECT_FALSE(c.access_key.empty());
}

TEST(ecs_metadata_test, the_emulator_refuses_a_temporary_key_without_its_security_token) {
  metadata_emulator e(3600);
  ecs_metadata_client metadata(e.io.get_executor(), e.url);
  ecs_credential got = e.run(metadata.fetch());
  credentials c;
  apply(c, got);
  c.project_id = "0123456789abcdef0123456789abcdef";
  c.security_token = "not-the-one-it-issued";
  https_client http(e.io.get_executor(), parse_endpoint(e.url));
  cph_client client(http, c);
  auto r = e.run(client.list_servers("x", std::chrono::steady_clock::now() + 5s));
  EXPECT_EQ(r.report.http_status, 401);
  EXPECT_EQ(
      r.report.error_msg,
      "Incorrect IAM authentication information: the X-Security-Token does not belong to this access key");
}

TEST(ecs_metadata_test, a_metadata_address_that_does_not_answer_is_a_clear_error) {
  const std::string url = "http://127.0.0.1:" + std::to_string(unused_port());
  try {
    fetch_ecs_credential(url, 2s);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "ECS metadata " + url + ": connect: Connection refused");
  }
}

TEST(ecs_metadata_test, a_refresh_that_fails_comes_back_as_a_connect_failure_and_nothing_is_sent) {
  metadata_emulator e(3600);
  https_client http(e.io.get_executor(), parse_endpoint(e.url));
  credentials start;
  start.type = credentials::kind::aksk;
  start.project_id = "0123456789abcdef0123456789abcdef";
  cph_client client(http, start);
  const std::string dead = "http://127.0.0.1:" + std::to_string(unused_port());
  ecs_credential_refresher refresher(e.io.get_executor(), dead, unix_now);
  client.set_credentials_hook([&](credentials& c) { return refresher.refresh(c); });
  auto r = e.run(client.list_servers("x", std::chrono::steady_clock::now() + 5s));
  ASSERT_TRUE(r.report.transport.has_value());
  EXPECT_EQ(r.report.transport->step, transport_step::connect);
  EXPECT_FALSE(r.report.transport->request_written);
  EXPECT_EQ(r.report.transport->message, "ECS metadata " + dead + ": connect: Connection refused");
  EXPECT_EQ(e.emu.stats().requests, 0u);
}

TEST(ecs_metadata_test, without_session_tokens_the_keys_are_read_directly_and_errors_say_what_answered) {
  // A service that hands out no session token (404 to the PUT) is read without one, as the SDK does.
  const std::string keys =
      R"({"credential":{"access":"A1","secret":"S1","securitytoken":"T1","expires_at":"2099-01-01T00:00:00.000000Z"}})";
  fixture_server plain({step::respond([&](const http::request<http::string_body>& req) {
    if (req.method() == http::verb::put) return http_answer(404, "Not Found", "");
    EXPECT_EQ(req.find("X-Metadata-Token"), req.end());
    return http_answer(200, "OK", keys);
  })});
  auto c = fetch_ecs_credential(plain.url());
  EXPECT_EQ(c.access, "A1");
  EXPECT_EQ(c.expires_at_s, 4070908800);

  fixture_server no_agency({step::respond([](const http::request<http::string_body>& req) {
    if (req.method() == http::verb::put) return http_answer(404, "Not Found", "");
    return http_answer(401, "Unauthorized", "Please configure Cloud Service Agency first", "", "text/plain");
  })});
  try {
    fetch_ecs_credential(no_agency.url());
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "ECS metadata " + no_agency.url() +
                                         ": /openstack/latest/securitykey answered HTTP 401 Please configure "
                                         "Cloud Service Agency first");
  }
}

}  // namespace
}  // namespace cphfleet::test
