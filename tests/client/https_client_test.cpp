#include "client/https_client.hpp"

#include <gtest/gtest.h>

#include "support/fixture_server.hpp"

namespace cphfleet {
namespace {

using namespace std::chrono_literals;
using test::fixture_server;
using test::http_answer;
using test::run_sync;
using test::step;

auto in(std::chrono::milliseconds d) { return std::chrono::steady_clock::now() + d; }

http_request post_body(std::string body = R"({"count":1})") {
  http_request r;
  r.method = http::verb::post;
  r.target = "/v1/p/cloud-phone/phones";
  r.headers = {{"Content-Type", "application/json"}};
  r.body = std::move(body);
  return r;
}

http_request get(std::string target = "/v1/p/cloud-phone/servers?limit=100&offset=0") {
  http_request r;
  r.target = std::move(target);
  return r;
}

struct client_under_test {
  explicit client_under_test(const std::string& url, https_client_options o = {})
      : client(io.get_executor(), parse_endpoint(url), std::move(o)) {}
  http_result send(http_request r, std::chrono::milliseconds deadline = 5000ms) {
    return run_sync(io, client.send(std::move(r), in(deadline)));
  }
  net::io_context io;
  https_client client;
};

outcome classify_purchase(const http_result& r) {
  call_report report;
  if (r.response) report.http_status = static_cast<int>(r.response->status);
  report.transport = r.error;
  return classify(report, call_kind::purchase);
}

// ---- transport faults, one by one ------------------------------------------------------------------

TEST(https_client_test, refused_connection_fails_at_connect_before_anything_is_written) {
  client_under_test c("http://127.0.0.1:" + std::to_string(test::unused_port()));
  auto r = c.send(post_body());
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->step, transport_step::connect);
  EXPECT_EQ(r.error->message, "connect: Connection refused");
  EXPECT_FALSE(r.error->request_written);
  EXPECT_EQ(classify_purchase(r).cls, outcome_class::retryable);
  EXPECT_EQ(c.client.stats().connections_opened, 0);
}

TEST(https_client_test, a_connect_that_hangs_times_out_at_connect_unsent) {
  // A listener whose accept queue is full drops new SYNs: the connect neither completes nor fails.
  net::io_context io;
  tcp::acceptor full(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  full.listen(0);
  std::vector<tcp::socket> queued;
  for (int i = 0; i < 3; ++i) {
    // Started, never waited for (`io` never runs): a sync connect would hang here instead.
    queued.emplace_back(io);
    queued.back().async_connect(full.local_endpoint(), [](boost::system::error_code) {});
  }
  https_client_options o;
  o.connect_timeout = 200ms;
  client_under_test c("http://127.0.0.1:" + std::to_string(full.local_endpoint().port()), o);
  auto started = std::chrono::steady_clock::now();
  auto r = c.send(post_body());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2000ms);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->message, "connect: timed out after 200 ms");
  EXPECT_FALSE(r.error->request_written);
  EXPECT_EQ(classify_purchase(r).cls, outcome_class::retryable);
}

TEST(https_client_test, an_unknown_host_fails_at_resolve_before_anything_is_written) {
  https_client_options o;
  o.connect_timeout = 2000ms;
  client_under_test c("https://no-such-host.invalid", o);
  auto r = c.send(post_body());
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->step, transport_step::resolve);
  EXPECT_EQ(r.error->message.rfind("resolve: ", 0), 0u) << r.error->message;
  EXPECT_FALSE(r.error->request_written);
  EXPECT_EQ(classify_purchase(r).cls, outcome_class::retryable);
}

TEST(https_client_test, reset_without_reading_after_a_complete_write_is_ambiguous) {
  // The request sat whole in the server's socket buffer when the server closed it: from the client's
  // side nothing tells "never read" from "read, acted on, then crashed".
  fixture_server server({step::close_without_reading()});
  client_under_test c(server.url());
  auto r = c.send(post_body());
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->step, transport_step::read);
  EXPECT_EQ(r.error->message, "read: Connection reset by peer");
  EXPECT_TRUE(r.error->request_written);
  EXPECT_EQ(classify_purchase(r).cls, outcome_class::ambiguous);
}

TEST(https_client_test, close_after_reading_the_request_is_ambiguous) {
  fixture_server server({step::read_then_close()});
  client_under_test c(server.url());
  auto r = c.send(post_body());
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->step, transport_step::read);
  EXPECT_EQ(r.error->message, "read: connection closed before the answer (end of stream)");
  EXPECT_TRUE(r.error->request_written);
  EXPECT_EQ(classify_purchase(r).cls, outcome_class::ambiguous);
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_NE(server.requests()[0].find(R"({"count":1})"), std::string::npos);
}

TEST(https_client_test, an_answer_after_the_deadline_is_a_timeout_after_writing) {
  fixture_server server({step::answer_after(2000ms, http_answer(200, "OK", "{}"))});
  client_under_test c(server.url());
  auto started = std::chrono::steady_clock::now();
  auto r = c.send(post_body(), 150ms);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1500ms);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->step, transport_step::timeout);
  EXPECT_EQ(r.error->message, "timeout: no answer before the request deadline (the request was sent)");
  EXPECT_TRUE(r.error->request_written);
  EXPECT_EQ(classify_purchase(r).cls, outcome_class::ambiguous);
}

TEST(https_client_test, an_answer_within_the_deadline_arrives) {
  fixture_server server({step::answer_after(50ms, http_answer(200, "OK", R"({"order_id":"o1"})"))});
  client_under_test c(server.url());
  auto r = c.send(post_body(), 3000ms);
  ASSERT_TRUE(r.response) << r.error->message;
  EXPECT_EQ(r.response->body, R"({"order_id":"o1"})");
}

TEST(https_client_test, garbage_instead_of_http_is_a_malformed_answer_and_ambiguous) {
  fixture_server server({step::garbage("\x16\x03\x01 this is not HTTP\r\n\r\n")});
  client_under_test c(server.url());
  auto r = c.send(post_body());
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->step, transport_step::read);
  EXPECT_EQ(r.error->message, "read: malformed HTTP answer (bad version)");
  EXPECT_TRUE(r.error->request_written);
  EXPECT_EQ(classify_purchase(r).cls, outcome_class::ambiguous);
}

TEST(https_client_test, an_html_error_page_is_an_answer_with_its_text) {
  const std::string page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
  fixture_server server(
      {step::answer(http_answer(502, "Bad Gateway", page, "X-Request-Id: gw-123\r\n", "text/html"))});
  client_under_test c(server.url());
  auto r = c.send(post_body());
  ASSERT_TRUE(r.response);
  EXPECT_EQ(r.response->status, 502u);
  EXPECT_EQ(r.response->body, page);
  EXPECT_EQ(r.response->content_type, "text/html");
  EXPECT_EQ(r.response->request_id, "gw-123");
  EXPECT_EQ(classify_purchase(r).cls, outcome_class::ambiguous);
}

TEST(https_client_test, interim_answers_are_read_past_to_the_final_one) {
  // 100, 102 and 103 come before the answer (103 with headers of its own); the final answer's
  // headers are the ones reported, and the connection stays usable for the next request.
  const std::string interim =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 102 Processing\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\nX-Request-Id: early\r\n\r\n";
  fixture_server server(
      {step::answer(interim + http_answer(200, "OK", R"({"order_id":"o1"})", "X-Request-Id: final\r\n"))});
  client_under_test c(server.url());
  for (int i = 0; i < 2; ++i) {
    auto r = c.send(post_body());
    ASSERT_TRUE(r.response) << r.error->message;
    EXPECT_EQ(r.response->status, 200u);
    EXPECT_EQ(r.response->body, R"({"order_id":"o1"})");
    EXPECT_EQ(r.response->request_id, "final");
  }
  EXPECT_EQ(c.client.stats().connections_opened, 1);
  EXPECT_EQ(c.client.stats().reused, 1);
}

TEST(https_client_test, an_interim_answer_then_silence_is_a_timeout_after_writing) {
  fixture_server server({step::answer("HTTP/1.1 100 Continue\r\n\r\n")});
  client_under_test c(server.url());
  auto r = c.send(post_body(), 200ms);
  ASSERT_TRUE(r.error) << "the 100 was taken as the answer";
  EXPECT_EQ(r.error->step, transport_step::timeout);
  EXPECT_TRUE(r.error->request_written);
  EXPECT_EQ(classify_purchase(r).cls, outcome_class::ambiguous);
}

TEST(https_client_test, an_unasked_101_is_a_malformed_answer_after_writing) {
  fixture_server server(
      {step::garbage("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n"
                     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")});
  client_under_test c(server.url());
  auto r = c.send(post_body());
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->step, transport_step::read);
  EXPECT_EQ(r.error->message, "read: malformed HTTP answer (101 Switching Protocols, unasked)");
  EXPECT_TRUE(r.error->request_written);
  EXPECT_EQ(classify_purchase(r).cls, outcome_class::ambiguous);
  EXPECT_EQ(c.client.stats().connections_opened, 1);
}

TEST(https_client_test, retry_after_and_request_id_headers_are_read) {
  fixture_server server({step::answer(http_answer(429, "Too Many Requests", R"({"error_code":"APIGW.0308"})",
                                                  "Retry-After: 7\r\nX-Request-Id: r-9\r\n"))});
  client_under_test c(server.url());
  auto r = c.send(get());
  ASSERT_TRUE(r.response);
  EXPECT_EQ(r.response->status, 429u);
  EXPECT_EQ(r.response->retry_after_s, 7);
  EXPECT_EQ(r.response->request_id, "r-9");
}

// ---- the pool --------------------------------------------------------------------------------------

TEST(https_client_test, sequential_requests_share_one_keep_alive_connection) {
  fixture_server server({step::answer(http_answer(200, "OK", "{}"))});
  client_under_test c(server.url());
  for (int i = 0; i < 20; ++i) {
    auto r = c.send(get());
    ASSERT_TRUE(r.response) << i << ": " << r.error->message;
  }
  EXPECT_EQ(c.client.stats().requests, 20);
  EXPECT_EQ(c.client.stats().connections_opened, 1);
  EXPECT_EQ(c.client.stats().reused, 19);
  EXPECT_EQ(server.accepted(), 1);
  EXPECT_EQ(server.requests().size(), 20u);
}

TEST(https_client_test, concurrent_requests_open_one_connection_each_then_reuse_them) {
  fixture_server server({step::answer(http_answer(200, "OK", "{}"))});
  client_under_test c(server.url());
  auto batch = [&]() -> net::awaitable<int> {
    using namespace net::experimental::awaitable_operators;
    auto deadline = in(3000ms);
    auto [a, b, d] = co_await (c.client.send(get(), deadline) && c.client.send(get(), deadline) &&
                               c.client.send(get(), deadline));
    co_return (a.response ? 1 : 0) + (b.response ? 1 : 0) + (d.response ? 1 : 0);
  };
  EXPECT_EQ(run_sync(c.io, batch()), 3);
  EXPECT_EQ(run_sync(c.io, batch()), 3);
  EXPECT_EQ(c.client.stats().connections_opened, 3);
  EXPECT_EQ(c.client.stats().reused, 3);
}

TEST(https_client_test, a_pooled_connection_the_server_closed_is_dropped_before_writing) {
  // The server answers with keep-alive, then closes: the next request must not be written into the
  // dead connection (it would come back ambiguous); it goes on a fresh one.
  fixture_server server({step::answer(http_answer(200, "OK", "{}"), 1)});
  client_under_test c(server.url());
  ASSERT_TRUE(c.send(get()).response);
  ASSERT_TRUE(test::wait_until([&] { return server.closed() == 1; }));
  auto r = c.send(post_body());
  ASSERT_TRUE(r.response) << r.error->message;
  EXPECT_EQ(c.client.stats().stale_discarded, 1);
  EXPECT_EQ(c.client.stats().connections_opened, 2);
  EXPECT_EQ(c.client.stats().reused, 0);
}

TEST(https_client_test, a_write_into_a_reset_pooled_connection_is_sent_again_on_a_fresh_one) {
  // The probe is off so the write meets the reset (in real life: a close racing the probe). The
  // request never arrived whole, so sending it again cannot buy twice.
  fixture_server server({step::answer_then_reset(http_answer(200, "OK", "{}"))});
  https_client_options o;
  o.probe_idle = false;
  client_under_test c(server.url(), o);
  ASSERT_TRUE(c.send(get()).response);
  ASSERT_TRUE(test::wait_until([&] { return server.closed() == 1; }));
  auto r = c.send(post_body());
  ASSERT_TRUE(r.response) << r.error->message;
  EXPECT_EQ(c.client.stats().write_retries, 1);
  EXPECT_EQ(c.client.stats().connections_opened, 2);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(https_client_test, without_the_probe_a_request_written_into_a_closed_connection_is_ambiguous) {
  // Why the pool probes: the server closed (FIN) while the connection sat idle; the write still
  // succeeds into the half-closed socket, and only the read fails. From here the client cannot tell
  // this from "read and acted on", so it must report the request as written.
  fixture_server server({step::answer(http_answer(200, "OK", "{}"), 1)});
  https_client_options o;
  o.probe_idle = false;
  client_under_test c(server.url(), o);
  ASSERT_TRUE(c.send(get()).response);
  ASSERT_TRUE(test::wait_until([&] { return server.closed() == 1; }));
  auto r = c.send(post_body());
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->step, transport_step::read);
  EXPECT_TRUE(r.error->request_written);
  EXPECT_EQ(classify_purchase(r).cls, outcome_class::ambiguous);
  EXPECT_EQ(c.client.stats().write_retries, 0);
}

TEST(https_client_test, connection_close_answers_are_not_pooled) {
  fixture_server server({step::answer(http_answer(200, "OK", "{}", "Connection: close\r\n"), 1)});
  client_under_test c(server.url());
  ASSERT_TRUE(c.send(get()).response);
  ASSERT_TRUE(c.send(get()).response);
  EXPECT_EQ(c.client.stats().connections_opened, 2);
  EXPECT_EQ(c.client.stats().stale_discarded, 0);
}

TEST(https_client_test, an_old_idle_connection_is_not_reused) {
  fixture_server server({step::answer(http_answer(200, "OK", "{}"))});
  https_client_options o;
  o.max_idle_age = 0ms;
  client_under_test c(server.url(), o);
  ASSERT_TRUE(c.send(get()).response);
  ASSERT_TRUE(c.send(get()).response);
  EXPECT_EQ(c.client.stats().connections_opened, 2);
  EXPECT_EQ(c.client.stats().stale_discarded, 1);
}

// ---- TLS ---------------------------------------------------------------------------------------------

https_client_options trusting_test_ca() {
  https_client_options o;
  o.ca_file = test::pki().ca_cert;
  return o;
}

TEST(https_client_test, tls_with_a_trusted_ca_connects_and_reuses_the_connection) {
  fixture_server server({step::answer(http_answer(200, "OK", R"({"ok":true})"))}, test::pki().server);
  client_under_test c(server.url(), trusting_test_ca());
  for (int i = 0; i < 5; ++i) {
    auto r = c.send(get());
    ASSERT_TRUE(r.response) << r.error->message;
    EXPECT_EQ(r.response->body, R"({"ok":true})");
  }
  EXPECT_EQ(c.client.stats().tls_handshakes, 1);
  EXPECT_EQ(c.client.stats().connections_opened, 1);
}

TEST(https_client_test, tls_by_host_name_sends_sni_and_verifies_the_name) {
  fixture_server server({step::answer(http_answer(200, "OK", "{}"))}, test::pki().server);
  client_under_test c("https://localhost:" + std::to_string(server.port()), trusting_test_ca());
  auto r = c.send(get());
  ASSERT_TRUE(r.response) << r.error->message;
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_NE(server.requests()[0].find("Host: localhost:" + std::to_string(server.port())), std::string::npos);
}

TEST(https_client_test, an_untrusted_certificate_fails_at_tls_saying_why) {
  fixture_server server({step::answer(http_answer(200, "OK", "{}"))}, test::pki().server);
  client_under_test c(server.url());  // the system store does not know the test CA
  auto r = c.send(post_body());
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->step, transport_step::tls);
  EXPECT_EQ(r.error->message,
            "tls: certificate verify failed for 127.0.0.1: unable to get local issuer certificate");
  EXPECT_FALSE(r.error->request_written);
  EXPECT_EQ(classify_purchase(r).cls, outcome_class::retryable);
  EXPECT_TRUE(server.requests().empty());
}

TEST(https_client_test, a_certificate_for_another_host_fails_at_tls) {
  fixture_server server({step::answer(http_answer(200, "OK", "{}"))}, test::pki().wrong_host);
  client_under_test c(server.url(), trusting_test_ca());
  auto r = c.send(get());
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->message, "tls: certificate verify failed for 127.0.0.1: IP address mismatch");
  client_under_test by_name("https://localhost:" + std::to_string(server.port()), trusting_test_ca());
  auto named = by_name.send(get());
  ASSERT_TRUE(named.error);
  EXPECT_EQ(named.error->message, "tls: certificate verify failed for localhost: hostname mismatch");
}

TEST(https_client_test, a_server_that_closes_during_the_handshake_fails_at_tls_unsent) {
  fixture_server server({step::close_at_once()}, test::pki().server);
  client_under_test c(server.url(), trusting_test_ca());
  auto r = c.send(post_body());
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->step, transport_step::tls);
  EXPECT_FALSE(r.error->request_written);
  EXPECT_EQ(classify_purchase(r).cls, outcome_class::retryable);
}

TEST(https_client_test, an_unreadable_ca_file_is_an_error_at_construction) {
  net::io_context io;
  https_client_options o;
  o.ca_file = "/nonexistent/ca.pem";
  try {
    https_client c(io.get_executor(), parse_endpoint("https://example.com"), o);
    FAIL() << "accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("ca_file /nonexistent/ca.pem: cannot load certificates (", 0), 0u)
        << e.what();
  }
}

// ---- proxy ---------------------------------------------------------------------------------------------

TEST(https_client_test, https_goes_through_the_connect_proxy) {
  fixture_server server({step::answer(http_answer(200, "OK", "{}"))}, test::pki().server);
  test::connect_proxy proxy;
  auto o = trusting_test_ca();
  o.proxy = {"http://user:pa%3Ass@" + proxy.url().substr(7), ""};
  client_under_test c(server.url(), o);
  EXPECT_TRUE(c.client.uses_proxy());
  for (int i = 0; i < 3; ++i) {
    auto r = c.send(get());
    ASSERT_TRUE(r.response) << r.error->message;
  }
  EXPECT_EQ(proxy.tunnels(), 1);
  ASSERT_EQ(proxy.connects().size(), 1u);
  const std::string connect = proxy.connects()[0];
  const std::string authority = "127.0.0.1:" + std::to_string(server.port());
  EXPECT_EQ(connect.rfind("CONNECT " + authority + " HTTP/1.1\r\n", 0), 0u) << connect;
  EXPECT_NE(connect.find("Host: " + authority), std::string::npos);
  // "user:pa:ss" (the password decoded), base64.
  EXPECT_NE(connect.find("Proxy-Authorization: Basic dXNlcjpwYTpzcw=="), std::string::npos) << connect;
}

TEST(https_client_test, no_proxy_connects_directly) {
  fixture_server server({step::answer(http_answer(200, "OK", "{}"))}, test::pki().server);
  test::connect_proxy proxy;
  auto o = trusting_test_ca();
  o.proxy = {proxy.url(), "example.com,127.0.0.1"};
  client_under_test c(server.url(), o);
  EXPECT_FALSE(c.client.uses_proxy());
  ASSERT_TRUE(c.send(get()).response);
  EXPECT_EQ(proxy.connects().size(), 0u);
}

TEST(https_client_test, plain_http_does_not_use_the_https_proxy) {
  fixture_server server({step::answer(http_answer(200, "OK", "{}"))});
  test::connect_proxy proxy;
  https_client_options o;
  o.proxy = {proxy.url(), ""};
  client_under_test c(server.url(), o);
  EXPECT_FALSE(c.client.uses_proxy());
  ASSERT_TRUE(c.send(get()).response);
}

TEST(https_client_test, a_proxy_that_refuses_the_tunnel_fails_at_proxy_unsent) {
  fixture_server server({step::answer(http_answer(200, "OK", "{}"))}, test::pki().server);
  test::connect_proxy proxy(407);
  auto o = trusting_test_ca();
  o.proxy = {proxy.url(), ""};
  client_under_test c(server.url(), o);
  auto r = c.send(post_body());
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->step, transport_step::proxy);
  EXPECT_EQ(r.error->message, "proxy: " + proxy.url().substr(7) + " answered CONNECT 127.0.0.1:" +
                                  std::to_string(server.port()) + " with 407 Refused");
  EXPECT_FALSE(r.error->request_written);
  EXPECT_EQ(classify_purchase(r).cls, outcome_class::retryable);
}

TEST(https_client_test, an_unreachable_proxy_fails_at_connect_naming_it) {
  test::fixture_server server({step::answer(http_answer(200, "OK", "{}"))}, test::pki().server);
  auto o = trusting_test_ca();
  const std::string proxy_authority = "127.0.0.1:" + std::to_string(test::unused_port());
  o.proxy = {"http://" + proxy_authority, ""};
  client_under_test c(server.url(), o);
  auto r = c.send(post_body());
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->message, "connect: Connection refused (proxy " + proxy_authority + ")");
  EXPECT_FALSE(r.error->request_written);
}

}  // namespace
}  // namespace cphfleet
