// The emulator over real sockets on 127.0.0.1: it runs in-process on a thread of its own (or as the
// built cphfleet, for the command line), and the tests talk to it with test_http.hpp's client.
#include "emulator/server.hpp"
#include "app/service.hpp"
#include "emulator/emulator_fixture.hpp"
#include "support/test_process.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

namespace cphfleet {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using namespace test;

TEST(emulator_test, a_purchase_answers_an_order_and_creates_its_servers) {
  running_emulator emu;
  auto c = emu.client();
  auto r = buy(c, purchase_body("game-eu-001", 3));
  ASSERT_EQ(r.status, 200u) << r.body;
  auto body = r.json().as_object();
  std::string order_id(body.at("order_id").as_string());
  EXPECT_TRUE(std::regex_match(order_id, std::regex("CS[0-9]{10}[A-Z0-9]{5}"))) << order_id;
  EXPECT_TRUE(
      std::regex_match(std::string(body.at("product_id").as_string()), std::regex("00301-[0-9]{5}-0--0")));
  EXPECT_EQ(std::string(body.at("request_id").as_string()), r.header("X-Request-Id"));
  ASSERT_EQ(body.at("server_ids").as_array().size(), 3u);

  auto page = list(c, "?server_name=game-eu-001");
  EXPECT_EQ(page.at("count").as_int64(), 3);
  EXPECT_EQ(names_of(page),
            (std::vector<std::string>{"game-eu-001-0003", "game-eu-001-0002", "game-eu-001-0001"}));
  const auto& first = page.at("servers").as_array()[0].as_object();
  EXPECT_EQ(first.at("metadata").at("order_id").as_string(), order_id);
  EXPECT_EQ(first.at("status").as_int64(), 1) << "creating right after the order";
  EXPECT_TRUE(std::regex_match(std::string(first.at("create_time").as_string()),
                               std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")));

  std::string id(body.at("server_ids").as_array()[2].as_string());
  auto one = c.request("GET", servers + "/" + id);
  ASSERT_EQ(one.status, 200u);
  EXPECT_EQ(one.json().at("server_name").as_string(), "game-eu-001-0003");
  EXPECT_EQ(one.json().at("metadata").at("order_id").as_string(), order_id);

  auto orders = orders_of(c);
  ASSERT_EQ(orders.size(), 1u);
  const auto& o = orders[0].as_object();
  EXPECT_EQ(o.at("order_id").as_string(), order_id);
  EXPECT_EQ(o.at("server_name").as_string(), "game-eu-001");
  EXPECT_EQ(o.at("count").as_int64(), 3);
  EXPECT_EQ(o.at("is_auto_pay").as_int64(), 1);
  EXPECT_EQ(o.at("server_ids").as_array(), body.at("server_ids").as_array());
  EXPECT_TRUE(
      std::regex_match(std::string(o.at("created_at").as_string()),
                       std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z")));
}

TEST(emulator_test, every_answer_carries_a_request_id) {
  running_emulator emu;
  auto c = emu.client();
  for (auto [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", servers}, {"GET", "/nowhere"}, {"GET", "/_emulator/stats"}, {"POST", phones}}) {
    auto r = c.request(method, target, {}, method == "POST" ? "{" : "");
    EXPECT_TRUE(is_request_id(r.header("X-Request-Id"))) << target << ": " << r.header("X-Request-Id");
  }
  auto a = c.request("GET", "/nowhere"), b = c.request("GET", "/nowhere");
  EXPECT_NE(a.header("X-Request-Id"), b.header("X-Request-Id"));
  EXPECT_EQ(a.string_field("request_id"), a.header("X-Request-Id"));
}

TEST(emulator_test, a_body_over_the_limit_is_413) {
  const std::size_t limit = emulator_options{}.max_body_bytes;
  ASSERT_EQ(limit, 1024u * 1024u);  // a purchase body is a few KB; a connection holds no more than this
  running_emulator emu;
  test::raw_connection raw("127.0.0.1", emu.port());
  raw.write(fmt::format(
      "POST {} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", phones,
      limit + 1));
  auto r = raw.read_response();
  EXPECT_EQ(r.status, 413u);
  EXPECT_EQ(r.error_code(), "APIGW.0201");
  EXPECT_TRUE(is_request_id(r.header("X-Request-Id")));

  // A client that sends the whole body anyway still reads the answer.
  auto c = emu.client();
  auto whole = buy(c, std::string(limit + 1, ' '));
  EXPECT_EQ(whole.status, 413u);
  EXPECT_EQ(whole.error_code(), "APIGW.0201");

  // Exactly the limit is read (and then found not to be a purchase).
  auto at_limit = buy(c, std::string(limit, ' '));
  EXPECT_EQ(at_limit.status, 400u);
  EXPECT_EQ(at_limit.error_code(), "APIGW.0201");
}

TEST(emulator_test, connections_beyond_the_cap_are_closed_at_once_until_one_ends) {
  emulator_options o;
  o.max_connections = 2;
  running_emulator emu(o);
  auto a = emu.client(), b = emu.client();
  ASSERT_EQ(a.request("GET", servers).status, 200u);
  ASSERT_EQ(b.request("GET", servers).status, 200u);

  // The third is accepted after the first two (the kernel queues them in order) and closed unread.
  test::raw_connection third("127.0.0.1", emu.port());
  auto refused = third.read_until_close(10s);
  EXPECT_TRUE(refused.data.empty());
  EXPECT_TRUE(refused.ended_by == net::error::eof || refused.ended_by == net::error::connection_reset)
      << refused.ended_by.message();
  auto stats = a.request("GET", "/_emulator/stats").json();
  EXPECT_EQ(stats.at("connections").to_number<std::uint64_t>(), 3u);
  EXPECT_EQ(stats.at("refused_connections").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(stats.at("open_connections").to_number<std::uint64_t>(), 2u);

  // Once the emulator has seen b leave, a new connection is served.
  b.close();
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (a.request("GET", "/_emulator/stats").json().at("open_connections").to_number<std::uint64_t>() != 1u)
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "b's session never ended";
  auto c = emu.client();
  EXPECT_EQ(c.request("GET", servers).status, 200u);
}

TEST(emulator_test, a_header_that_does_not_arrive_in_time_loses_its_connection) {
  emulator_options o;
  o.header_timeout_ms = 200;
  running_emulator emu(o);
  auto start = std::chrono::steady_clock::now();
  test::raw_connection slow("127.0.0.1", emu.port());
  slow.write("GET " + servers + " HTTP/1.1\r\nHost: x\r\n");  // and the rest never comes
  auto r = slow.read_until_close(10s);
  EXPECT_NE(r.ended_by, beast::error::timeout) << "still open after 10 s";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_TRUE(r.data.empty()) << r.data;

  // An idle keep-alive connection has the same deadline for its next header.
  test::raw_connection idle("127.0.0.1", emu.port());
  idle.write("GET " + servers + " HTTP/1.1\r\nHost: x\r\n\r\n");
  auto first = idle.read_response();
  EXPECT_EQ(first.status, 200u);
  EXPECT_NE(idle.read_until_close(10s).ended_by, beast::error::timeout);
}

TEST(emulator_test, a_client_that_expects_100_continue_gets_it_before_sending_the_body) {
  running_emulator emu;
  test::raw_connection raw("127.0.0.1", emu.port());
  std::string body = purchase_body("continued");
  raw.write(
      fmt::format("POST {} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n"
                  "Expect: 100-continue\r\n\r\n",
                  phones, body.size()));
  EXPECT_EQ(raw.read_response().status, 100u);
  raw.write(body);
  auto r = raw.read_response();
  EXPECT_EQ(r.status, 200u) << r.body;
}

TEST(emulator_test, a_malformed_request_is_400_and_closes) {
  running_emulator emu;
  auto r = test::raw_exchange("127.0.0.1", emu.port(), "NOT HTTP AT ALL\r\n\r\n");
  EXPECT_NE(r.data.find("HTTP/1.1 400"), std::string::npos) << r.data;
  EXPECT_NE(r.data.find("APIGW.0201"), std::string::npos);
  EXPECT_EQ(r.ended_by, net::error::eof);
}

TEST(emulator_test, latency_delays_every_api_answer) {
  emulator_options o;
  o.latency_ms = 150;
  running_emulator emu(o);
  auto c = emu.client();
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(c.request("GET", servers).status, 200u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(buy(c, purchase_body("x", 1, 7)).status, 400u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
}

// ---- reads ----

TEST(emulator_test, settle_hides_new_servers_until_the_window_passes) {
  emulator_options o;
  o.settle_ms = 300;
  running_emulator emu(o);
  auto c = emu.client();
  auto sent = std::chrono::steady_clock::now();
  auto r = buy(c, purchase_body("settle", 2));
  ASSERT_EQ(r.status, 200u);
  std::string id(r.json().at("server_ids").as_array()[0].as_string());
  EXPECT_EQ(list(c, "?server_name=settle").at("count").as_int64(), 0);
  auto hidden = c.request("GET", servers + "/" + id);
  EXPECT_EQ(hidden.status, 404u);
  EXPECT_EQ(hidden.error_code(), "CPS.0016");

  auto deadline = sent + 5s;
  std::int64_t count = 0;
  while (count == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);  // polling against a deadline, not a guess
    count = list(c, "?server_name=settle").at("count").as_int64();
  }
  EXPECT_EQ(count, 2);
  EXPECT_GE(std::chrono::steady_clock::now() - sent, 300ms);
  EXPECT_EQ(c.request("GET", servers + "/" + id).status, 200u);
}

TEST(emulator_test, a_hundred_concurrent_connections_are_all_served) {
  running_emulator emu;
  std::vector<std::unique_ptr<http_client>> clients;
  for (int i = 0; i < 100; ++i) {
    clients.push_back(std::make_unique<http_client>("127.0.0.1", emu.port()));
    clients.back()->connect();
  }
  // All 100 are open at once; serve them in reverse order of connecting, twice (keep-alive).
  for (int round = 0; round < 2; ++round)
    for (auto it = clients.rbegin(); it != clients.rend(); ++it)
      EXPECT_EQ((*it)->request("GET", servers).status, 200u);
  auto stats = clients[0]->request("GET", "/_emulator/stats").json();
  EXPECT_EQ(stats.at("connections").to_number<std::uint64_t>(), 100u);
  EXPECT_EQ(stats.at("requests").to_number<std::uint64_t>(), 201u);
}

// ---- TLS ----

struct test_pki {
  test::temp_dir scratch{"pki"};
  std::filesystem::path dir = scratch.path();
  std::filesystem::path ca = dir / "ca.pem", other_ca = dir / "other-ca.pem", cert = dir / "server.pem",
                        key = dir / "server.key";
  test_pki() {
    std::ofstream(dir / "ext.cnf") << "subjectAltName=IP:127.0.0.1\n";
    const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    std::string d = dir.string();
    for (const std::string& cmd :
         {fmt::format(
              "openssl req -x509 {} -keyout {}/ca.key -out {}/ca.pem -days 2 -subj /CN=cphfleet-test-ca", ec,
              d, d),
          fmt::format(
              "openssl req -x509 {} -keyout {}/other.key -out {}/other-ca.pem -days 2 -subj /CN=other-ca", ec,
              d, d),
          fmt::format("openssl req {} -keyout {}/server.key -out {}/server.csr -subj /CN=127.0.0.1", ec, d,
                      d),
          fmt::format("openssl x509 -req -in {0}/server.csr -CA {0}/ca.pem -CAkey {0}/ca.key -CAcreateserial "
                      "-out {0}/server.pem -days 2 -extfile {0}/ext.cnf",
                      d)}) {
      if (std::system((cmd + " >/dev/null 2>&1").c_str()) != 0) throw std::runtime_error("failed: " + cmd);
    }
  }
};

TEST(emulator_test, https_serves_clients_that_trust_its_ca_only) {
  test_pki pki;
  emulator_options o;
  o.tls_cert = pki.cert.string();
  o.tls_key = pki.key.string();
  running_emulator emu(o);

  ssl::context trusting(ssl::context::tls_client);
  trusting.load_verify_file(pki.ca.string());
  trusting.set_verify_mode(ssl::verify_peer);
  http_client c("127.0.0.1", emu.port(), trusting);
  auto r = c.request("POST", phones, {{"Content-Type", "application/json"}}, purchase_body("tls", 2));
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(c.request("GET", servers + "?server_name=tls").json().at("count").as_int64(), 2) << "kept alive";

  ssl::context other(ssl::context::tls_client);
  other.load_verify_file(pki.other_ca.string());
  other.set_verify_mode(ssl::verify_peer);
  http_client stranger("127.0.0.1", emu.port(), other);
  try {
    stranger.connect();
    ADD_FAILURE() << "a client that does not trust the CA connected";
  } catch (const boost::system::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("certificate verify failed"), std::string::npos) << e.what();
  }
  // Plain HTTP on the TLS port gets no answer.
  http_client plain("127.0.0.1", emu.port(), 2s);
  EXPECT_THROW(plain.request("GET", servers), boost::system::system_error);
}

TEST(emulator_test, bad_options_are_refused_with_the_option_named) {
  auto error_of = [](emulator_options o) -> std::string {
    net::io_context ioc;
    try {
      emulator e(ioc, std::move(o));
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "no error";
  };
  emulator_options o;
  o.faults = {{"nope", 0.1}};
  EXPECT_EQ(error_of(o).substr(0, 41), "fault \"nope\": unknown fault kind \"nope\" (");
  o = {};
  o.script = "x:busy";
  EXPECT_EQ(error_of(o), "--script \"x:busy\": \"x\" is not a purchase number (1, 2, ...)");
  o = {};
  o.listen = "127.0.0.1";
  EXPECT_EQ(error_of(o), "--listen \"127.0.0.1\": expected HOST:PORT, like 127.0.0.1:0");
  o = {};
  o.listen = "example.com:80";
  EXPECT_EQ(error_of(o), "--listen \"example.com:80\": \"example.com\" is not an IP address");
  o = {};
  o.ak = "a";
  EXPECT_EQ(error_of(o), "--ak and --sk go together: give both or neither");
  o = {};
  o.ak = "a";
  o.sk = "b";
  o.token = "t";
  EXPECT_EQ(error_of(o), "--ak/--sk and --token exclude each other: the emulator checks one kind of auth");
  o = {};
  o.tls_cert = "/nonexistent/cert.pem";
  o.tls_key = "/nonexistent/key.pem";
  EXPECT_EQ(error_of(o).substr(0, 36), "--tls-cert \"/nonexistent/cert.pem\": ");
  o = {};
  o.catalog_file = "/nonexistent/catalog.toml";
  EXPECT_EQ(error_of(o).substr(0, 10), "--catalog:");
  o = {};
  o.rate_limit = -1;
  EXPECT_EQ(error_of(o), "--rate-limit: must be a number of requests per second, at least 0");
  o = {};
  o.max_connections = 0;
  EXPECT_EQ(error_of(o), "--max-connections: must be at least 1");
}

TEST(emulator_test, embedded_options_come_from_the_config) {
  emulator_config c;
  c.latency_ms = 5;
  c.settle_ms = 6;
  c.rate_limit = 7;
  c.seed = 8;
  c.faults = {{"busy", 0.5}};
  c.script = "1:busy";
  auto o = from(c);
  EXPECT_EQ(o.listen, "127.0.0.1:0");
  EXPECT_EQ(o.latency_ms, 5);
  EXPECT_EQ(o.settle_ms, 6);
  EXPECT_EQ(o.rate_limit, 7);
  EXPECT_EQ(o.seed, 8u);
  EXPECT_EQ(o.faults, c.faults);
  EXPECT_EQ(o.script, "1:busy");
  EXPECT_TRUE(o.ak.empty() && o.token.empty() && o.tls_cert.empty());
}

// The embedded mode: the emulator shares the caller's io_context and thread.
TEST(emulator_test, the_embedded_emulator_runs_on_the_callers_io_context) {
  net::io_context ioc;
  emulator emu(ioc, {});
  auto port = emu.start().port();
  EXPECT_EQ(emu.url(), fmt::format("http://127.0.0.1:{}", port));
  int status = 0;
  net::co_spawn(
      ioc,
      [&]() -> net::awaitable<void> {
        beast::tcp_stream stream(co_await net::this_coro::executor);
        co_await stream.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                                      net::use_awaitable);
        http::request<http::string_body> req{http::verb::post, phones, 11};
        req.set(http::field::host, "127.0.0.1");
        req.body() = purchase_body("embedded");
        req.prepare_payload();
        co_await http::async_write(stream, req, net::use_awaitable);
        beast::flat_buffer buffer;
        http::response<http::string_body> res;
        co_await http::async_read(stream, buffer, res, net::use_awaitable);
        status = res.result_int();
        emu.stop();  // the run ends once the emulator has nothing left to do
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  ioc.run();
  EXPECT_EQ(status, 200);
  EXPECT_EQ(emu.stats().orders, 1u);
  EXPECT_EQ(emu.stats().purchases, 1u);
}

// ---- the command line ----

TEST(emulator_test, the_command_serves_until_sigterm_and_exits_0) {
  test::temp_dir scratch("emulator-cli");  // removed however the test ends
  const std::filesystem::path dir = scratch.path();
  auto port_file = dir / "port";
  test::child_process p(
      {CPHFLEET_BINARY, "emulator", "--listen", "127.0.0.1:0", "--port-file", port_file.string(), "--fault",
       "busy:0.25", "--fault", "throttle:0.5", "--script", "1:error500"},
      {}, dir / "out", dir / "err");
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!std::filesystem::exists(port_file) && p.running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);  // polling against a deadline for the child to listen
  ASSERT_TRUE(std::filesystem::exists(port_file)) << p.err();
  auto port = static_cast<unsigned short>(std::stoi(test::slurp(port_file)));

  http_client c("127.0.0.1", port);
  EXPECT_EQ(json::serialize(c.request("GET", "/_emulator/faults").json()),
            R"({"faults":{"throttle":5E-1,"busy":2.5E-1}})");
  EXPECT_EQ(buy(c, purchase_body("cli", 2)).status, 500u) << "--script 1:error500";
  EXPECT_EQ(c.request("POST", "/_emulator/faults", {}, "{}").status, 200u);
  auto r = buy(c, purchase_body("cli", 2));
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(list(c, "?server_name=cli").at("count").as_int64(), 2);

  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(10s), 0) << p.err();
  EXPECT_NE(p.err().find(fmt::format("emulator listening on http://127.0.0.1:{}", port)), std::string::npos)
      << p.err();
  std::filesystem::remove_all(dir);
}

TEST(emulator_test, the_command_refuses_bad_options_with_exit_2) {
  auto r = test::run_cphfleet({"emulator", "--fault", "bogus:0.1"}, {}, 20s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--fault \"bogus:0.1\": unknown fault kind \"bogus\""), std::string::npos) << r.err;
  r = test::run_cphfleet({"emulator", "--ak", "only-the-ak"}, {}, 20s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--ak and --sk go together"), std::string::npos) << r.err;
  r = test::run_cphfleet({"emulator", "--latency", "soon"}, {}, 20s);
  EXPECT_EQ(r.exit_code, 2);
  r = test::run_cphfleet({"emulator", "--max-connections", "0"}, {}, 20s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--max-connections: must be at least 1"), std::string::npos) << r.err;
}

// ---- load: run by hand, prints a figure, asserts nothing about time ----
//   build/cphfleet_tests --gtest_also_run_disabled_tests --gtest_filter='*purchases_per_second*'
TEST(emulator_bench, DISABLED_purchases_per_second_with_keep_alive) {
  running_emulator emu;
  constexpr int k_connections = 8;
  constexpr auto k_duration = 3s;
  std::atomic<std::int64_t> done{0};
  net::io_context load;
  auto stop_at = std::chrono::steady_clock::now() + k_duration;
  for (int i = 0; i < k_connections; ++i) {
    net::co_spawn(
        load,
        [&, i]() -> net::awaitable<void> {
          beast::tcp_stream stream(co_await net::this_coro::executor);
          co_await stream.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), emu.port()),
                                        net::use_awaitable);
          beast::flat_buffer buffer;
          for (int n = 0; std::chrono::steady_clock::now() < stop_at; ++n) {
            http::request<http::string_body> req{http::verb::post, phones, 11};
            req.set(http::field::host, "127.0.0.1");
            req.set(http::field::content_type, "application/json");
            req.body() = purchase_body(fmt::format("bench-{}-{}", i, n), 10);
            req.prepare_payload();
            co_await http::async_write(stream, req, net::use_awaitable);
            http::response<http::string_body> res;
            co_await http::async_read(stream, buffer, res, net::use_awaitable);
            if (res.result_int() != 200) throw std::runtime_error(res.body());
            ++done;
          }
        },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
  }
  auto start = std::chrono::steady_clock::now();
  load.run();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("purchases: %lld in %.2f s = %.0f per second (%d keep-alive connections, 10 servers each)\n",
              static_cast<long long>(done.load()), s, static_cast<double>(done.load()) / s, k_connections);
  auto c = emu.client();
  auto total = list(c, "?limit=1").at("count").as_int64();
  for (const char* when : {"first (indexes the names)", "next"}) {
    auto t = std::chrono::steady_clock::now();
    auto page = list(c, "?server_name=bench-3-1");
    std::printf("list by name over %lld servers, %s: %.3f ms\n", static_cast<long long>(total), when,
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
    EXPECT_GT(page.at("count").as_int64(), 0);
  }
}

}  // namespace
}  // namespace cphfleet
