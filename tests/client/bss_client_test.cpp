// The BSS client over real sockets: a scripted server for what is sent (X-Domain-Id, signed; the
// query; the pages) and for error answers, and the emulator for the signature and the calls end to end.
#include "client/bss_client.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "api/signer.hpp"
#include "client/endpoint.hpp"
#include "emulator/server.hpp"
#include "support/client_under_test.hpp"
#include "support/fixture_server.hpp"

#include "emulator/emulator_fixture.hpp"

namespace cphfleet {
namespace {

using test::fixture_server;
using test::http_answer;
using test::run_sync;
using test::step;

http::request<http::string_body> parse_request(const std::string& raw) {
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  boost::system::error_code ec;
  parser.put(net::buffer(raw), ec);
  if (ec) throw std::runtime_error("unparsable request: " + ec.message());
  return parser.release();
}

struct bss_under_test {
  bss_under_test(
      const std::string& url, std::string domain_id, credentials creds = test::aksk(),
      bss_client::unix_clock now = [] { return test::fixed_now; })
      : http(io.get_executor(), parse_endpoint(url)),
        client(http, std::move(creds), std::move(domain_id), fast(), std::move(now)) {}
  static bss_client_options fast() {
    bss_client_options o;
    o.backoff = {1, 5};
    return o;
  }
  template <typename T>
  T run(net::awaitable<T> a) {
    return run_sync(io, std::move(a));
  }
  static std::chrono::steady_clock::time_point deadline() {
    return std::chrono::steady_clock::now() + std::chrono::seconds(10);
  }
  net::io_context io;
  https_client http;
  bss_client client;
};

std::string page_of(std::int64_t total, std::int64_t from, std::int64_t n) {
  bss_order_page p;
  p.total_count = total;
  for (std::int64_t i = from; i < from + n; ++i) {
    bss_order o;
    o.order_id = fmt::format("CS{:04}", i);
    o.status = order_status::completed;
    o.official_amount = "10.10";
    p.orders.push_back(o);
  }
  return write_order_page(p);
}

TEST(bss_client_test, sends_x_domain_id_signed_and_no_project) {
  fixture_server server({step::answer(http_answer(200, "OK", page_of(1, 0, 1)))});
  bss_under_test c(server.url(), "acct0001");
  orders_call call = c.run(c.client.list_orders({}, c.deadline()));
  EXPECT_EQ(classify(call.report, call_kind::read).cls, outcome_class::ordered) << describe(call.report);
  ASSERT_EQ(call.orders.size(), 1u);
  EXPECT_EQ(call.orders[0].official_amount, "10.10");
  ASSERT_EQ(server.requests().size(), 1u);
  auto req = parse_request(server.requests()[0]);
  EXPECT_EQ(req.method(), http::verb::get);
  EXPECT_EQ(req["X-Domain-Id"], "acct0001");
  EXPECT_EQ(req.find("X-Project-Id"), req.end());
  EXPECT_EQ(req["X-Sdk-Date"], "20060102T150405Z");
  parsed_authorization auth;
  ASSERT_TRUE(parse_authorization(req[http::field::authorization], auth));
  EXPECT_EQ(auth.access, "AccessKey");
  EXPECT_EQ(auth.signed_headers, (std::vector<std::string>{"host", "x-domain-id", "x-sdk-date"}));
}

TEST(bss_client_test, the_query_is_the_sdk_form_and_every_page_is_read) {
  std::vector<std::string> targets;
  fixture_server server({step::respond([&](const http::request<http::string_body>& req) {
    std::string target(req.target());
    targets.push_back(target);
    auto at = target.find("offset=");
    std::int64_t offset = std::stoll(target.substr(at + 7));
    return http_answer(200, "OK", page_of(250, offset, std::min<std::int64_t>(100, 250 - offset)));
  })});
  bss_under_test c(server.url(), "acct0001");
  order_query q;
  q.create_begin_s = 1764590400;  // 2025-12-01T12:00:00Z
  q.create_end_s = 1764594000;
  q.status = order_status::pending_payment;
  q.service_type_code = "hws.service.type.cph";
  orders_call call = c.run(c.client.list_orders(q, c.deadline()));
  EXPECT_EQ(classify(call.report, call_kind::read).cls, outcome_class::ordered) << describe(call.report);
  EXPECT_EQ(call.orders.size(), 250u);
  EXPECT_EQ(call.orders.back().order_id, "CS0249");
  const std::string filters =
      "/v2/orders/"
      "customer-orders?create_time_begin=2025-12-01T12%3A00%3A00Z&create_time_end=2025-12-01T13%3A00%"
      "3A00Z&status=6&service_type_code=hws.service.type.cph&limit=100&offset=";
  EXPECT_EQ(targets,
            (std::vector<std::string>{filters + "0&order_by=createTime", filters + "100&order_by=createTime",
                                      filters + "200&order_by=createTime"}));
}

TEST(bss_client_test, an_account_of_another_site_is_a_clear_permanent_error) {
  fixture_server server({step::answer(http_answer(
      403, "Forbidden",
      R"({"error_code":"CBC.0150","error_msg":"Access denied. The customer does not belong to the website you are now at."})"))});
  bss_under_test c(server.url(), "acct0001");
  orders_call call = c.run(c.client.list_orders({}, c.deadline()));
  outcome o = classify(call.report, call_kind::read);
  EXPECT_EQ(o.cls, outcome_class::permanent);
  EXPECT_TRUE(call.orders.empty());
  EXPECT_EQ(call.report.http_status, 403);
  EXPECT_EQ(call.report.error_code, "CBC.0150");
  EXPECT_EQ(call.report.error_msg,
            "Access denied. The customer does not belong to the website you are now at. (the account belongs "
            "to another site's billing service: set [billing] site to the account's site: cn, intl or eu)");
  EXPECT_EQ(server.requests().size(), 1u);  // not retried
}

TEST(bss_client_test, a_retryable_read_is_tried_again_and_an_unreadable_page_fails_the_list) {
  fixture_server server(
      {step::answer(
           http_answer(503, "Service Unavailable", R"({"error_code":"APIGW.0202","error_msg":"busy"})"), 1),
       step::answer(http_answer(200, "OK", page_of(1, 0, 1)), 1),
       step::answer(http_answer(200, "OK", R"({"total_count":1,"order_infos":[{"status":"x"}]})"))});
  bss_under_test c(server.url(), "acct0001");
  orders_call first = c.run(c.client.list_orders({}, c.deadline()));
  EXPECT_EQ(classify(first.report, call_kind::read).cls, outcome_class::ordered) << describe(first.report);
  EXPECT_EQ(first.orders.size(), 1u);
  EXPECT_EQ(c.client.requests_sent(), 2);
  orders_call bad = c.run(c.client.list_orders({}, c.deadline()));
  EXPECT_TRUE(bad.orders.empty());
  ASSERT_TRUE(bad.report.transport);
  EXPECT_EQ(bad.report.transport->message,
            "read: unreadable answer: ListCustomerOrders: order_infos[0].status: must be an integer");
}

TEST(bss_client_test, against_the_emulator_signed_calls_list_detail_and_cancel) {
  emulator_options o;
  o.ak = "AccessKey";
  o.sk = "SecretKey";
  o.domain_id = "acct0001";
  test::running_emulator emu(o);
  const std::string url = fmt::format("http://127.0.0.1:{}", emu.port());
  // A purchase through the signed CPH client, unpaid.
  std::string order_id;
  {
    test::client_under_test cph(url, test::aksk());
    credentials creds = test::aksk();
    creds.project_id = test::pid;
    cph_client buyer(cph.http, creds, cph_client::system_unix_seconds);
    auto bought =
        cph.run(buyer.purchase(purchase_api::v1, test::purchase_body("bss-e2e", 2, 0), cph.deadline()));
    ASSERT_EQ(bought.report.http_status, 200) << describe(bought.report);
    order_id = bought.response.order_id;
  }
  bss_under_test c(url, "acct0001", test::aksk(), cph_client::system_unix_seconds);
  orders_call list = c.run(c.client.list_orders({}, c.deadline()));
  ASSERT_EQ(list.report.http_status, 200) << describe(list.report);
  ASSERT_EQ(list.orders.size(), 1u);
  EXPECT_EQ(list.orders[0].order_id, order_id);
  EXPECT_EQ(list.orders[0].status, order_status::pending_payment);
  order_detail_call d = c.run(c.client.order_detail(order_id, c.deadline()));
  ASSERT_TRUE(d.detail) << describe(d.report);
  EXPECT_EQ(d.detail->order.official_amount, "6400.00");
  EXPECT_EQ(d.detail->lines.at(0).subscription_num, 2);
  call_report cancelled = c.run(c.client.cancel_order(order_id, c.deadline()));
  EXPECT_EQ(cancelled.http_status, 200) << describe(cancelled);
  EXPECT_EQ(c.run(c.client.order_detail(order_id, c.deadline())).detail->order.status,
            order_status::cancelled);
  // Another account's id is refused by the gateway.
  bss_under_test other(url, "acct0002", test::aksk(), cph_client::system_unix_seconds);
  orders_call refused = other.run(other.client.list_orders({}, other.deadline()));
  EXPECT_EQ(refused.report.http_status, 401);
  EXPECT_EQ(refused.report.error_code, "APIGW.0301");
}

}  // namespace
}  // namespace cphfleet
