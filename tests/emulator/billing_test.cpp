// The emulated billing service over real sockets: every purchase is an order at once (6 pending
// payment, 5 completed), priced from the table, paid through the admin endpoint, cancelled while
// unpaid only, and X-Domain-Id checked with --domain-id.
#include "emulator/billing.hpp"

#include "api/bss.hpp"
#include "emulator_fixture.hpp"

#include <gtest/gtest.h>

namespace cphfleet {
namespace {

using test::buy;
using test::purchase_body;
using test::running_emulator;

const std::string k_orders(bss_path::customer_orders);

std::string order_id_of(const test::http_result& r) {
  EXPECT_EQ(r.status, 200u) << r.body;
  return std::string(r.json().at("order_id").as_string());
}

bss_order_page list_orders(test::http_client& c, const std::string& query = "", test::header_list h = {}) {
  auto r = c.request("GET", query.empty() ? k_orders : k_orders + "?" + query, h);
  EXPECT_EQ(r.status, 200u) << r.body;
  return read_order_page(r.body);
}

bss_order_detail detail_of(test::http_client& c, const std::string& id) {
  auto r = c.request("GET", std::string(bss_path::order_details_prefix) + id);
  EXPECT_EQ(r.status, 200u) << r.body;
  return read_order_detail(r.body);
}

test::http_result cancel(test::http_client& c, const std::string& id) {
  return c.request("PUT", std::string(bss_path::cancel_order), {{"Content-Type", "application/json"}},
                   write_cancel_request(id));
}

TEST(billing_test, prices_multiply_exactly_in_decimal) {
  EXPECT_EQ(multiply_decimal("3200.00", 3), "9600.00");
  EXPECT_EQ(multiply_decimal("0.05", 3), "0.15");
  EXPECT_EQ(multiply_decimal("0.001", 1), "0.001");
  EXPECT_EQ(multiply_decimal("2999.99", 10), "29999.90");
  EXPECT_EQ(multiply_decimal("7", 6), "42");
  EXPECT_THROW(multiply_decimal("1.", 2), std::invalid_argument);
  EXPECT_THROW(multiply_decimal("-1", 2), std::invalid_argument);
  EXPECT_THROW(multiply_decimal("1e3", 2), std::invalid_argument);
}

TEST(billing_test, orders_show_at_once_while_servers_wait_for_the_settle_window) {
  emulator_options o;
  o.settle_ms = 3'600'000;
  running_emulator emu(o);
  auto c = emu.client();
  const std::string paid = order_id_of(buy(c, purchase_body("bill-paid", 2, 1)));
  const std::string unpaid = order_id_of(buy(c, purchase_body("bill-unpaid", 3, 0)));
  EXPECT_EQ(test::list(c, "").at("count").as_int64(), 0);  // no server yet

  bss_order_page page = list_orders(c, "order_by=createTime&limit=100");
  EXPECT_EQ(page.total_count, 2);
  ASSERT_EQ(page.orders.size(), 2u);
  const bss_order& a = page.orders[0];
  EXPECT_EQ(a.order_id, paid);
  EXPECT_EQ(a.status, order_status::completed);
  EXPECT_EQ(a.service_type_code, "hws.service.type.cph");
  EXPECT_EQ(a.order_type, 1);
  EXPECT_EQ(a.official_amount, "6400.00");  // physical.rx1.xlarge: 3200.00 a month, 2 servers
  EXPECT_EQ(a.currency, "CNY");
  EXPECT_EQ(a.payment_time, a.create_time);
  EXPECT_TRUE(parse_bss_time(a.create_time).has_value()) << a.create_time;
  const bss_order& b = page.orders[1];
  EXPECT_EQ(b.order_id, unpaid);
  EXPECT_EQ(b.status, order_status::pending_payment);
  EXPECT_EQ(b.official_amount, "9600.00");
  EXPECT_EQ(b.payment_time, "");

  bss_order_detail d = detail_of(c, unpaid);
  EXPECT_EQ(d.order.status, order_status::pending_payment);
  ASSERT_EQ(d.lines.size(), 1u);
  EXPECT_EQ(d.lines[0].subscription_num, 3);
  EXPECT_EQ(d.lines[0].period_type, 2);
  EXPECT_EQ(d.lines[0].period_num, 1);
  EXPECT_EQ(d.lines[0].official_amount, "9600.00");
  EXPECT_EQ(d.lines[0].product_spec_desc, "physical.rx1.xlarge | aphs1.medium.4.aosp");

  // The admin view shows the billing state too.
  auto admin = test::orders_of(c);
  ASSERT_EQ(admin.size(), 2u);
  EXPECT_EQ(admin[0].at("bss_status").as_int64(), 5);
  EXPECT_EQ(admin[1].at("bss_status").as_int64(), 6);
  EXPECT_EQ(admin[1].at("bss_status_name").as_string(), "pending payment");
  EXPECT_EQ(admin[1].at("official_amount").as_string(), "9600.00");
}

TEST(billing_test, the_list_filters_and_pages_as_the_sdk_describes) {
  running_emulator emu;
  auto c = emu.client();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(order_id_of(buy(c, purchase_body("bill-page-" + std::to_string(i), 1, i % 2))));
  // Pending payment only: the orders of i = 0, 2, 4.
  EXPECT_EQ(list_orders(c, "status=6&limit=100").total_count, 3);
  // Pages of 2, oldest first: total_count is every match.
  bss_order_page p1 = list_orders(c, "limit=2&offset=0&order_by=createTime");
  bss_order_page p3 = list_orders(c, "limit=2&offset=4&order_by=createTime");
  EXPECT_EQ(p1.total_count, 5);
  ASSERT_EQ(p1.orders.size(), 2u);
  EXPECT_EQ(p1.orders[0].order_id, ids[0]);
  ASSERT_EQ(p3.orders.size(), 1u);
  EXPECT_EQ(p3.orders[0].order_id, ids[4]);
  // Newest first by default; 10 a page by default.
  EXPECT_EQ(list_orders(c).orders.front().order_id, ids[4]);
  // A window that ends before them holds none; one around now holds all.
  EXPECT_EQ(list_orders(c, "create_time_end=2020-01-01T00:00:00Z").total_count, 0);
  EXPECT_EQ(list_orders(c, "create_time_begin=2020-01-01T00:00:00Z&create_time_end=2100-01-01T00:00:00Z")
                .total_count,
            5);
  EXPECT_EQ(list_orders(c, "service_type_code=hws.service.type.ecs").total_count, 0);
  auto bad = c.request("GET", k_orders + "?limit=101");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(bad.error_code(), "CBC.0100");
  EXPECT_EQ(bad.error_msg(), "Invalid parameter: limit.");
}

TEST(billing_test, paying_completes_the_order_and_its_servers_follow) {
  running_emulator emu;
  auto c = emu.client();
  const std::string id = order_id_of(buy(c, purchase_body("bill-pay", 2, 0)));
  EXPECT_EQ(test::list(c, "").at("count").as_int64(), 0);
  EXPECT_EQ(c.request("POST", "/_emulator/orders/" + id + "/pay").status, 200u);
  bss_order_detail d = detail_of(c, id);
  EXPECT_EQ(d.order.status, order_status::completed);
  EXPECT_TRUE(parse_bss_time(d.order.payment_time).has_value()) << d.order.payment_time;
  EXPECT_EQ(test::list(c, "").at("count").as_int64(), 2);
}

TEST(billing_test, only_an_order_pending_payment_is_cancelled_and_its_servers_never_come) {
  running_emulator emu;
  auto c = emu.client();
  const std::string unpaid = order_id_of(buy(c, purchase_body("bill-cancel", 2, 0)));
  const std::string paid = order_id_of(buy(c, purchase_body("bill-keep", 1, 1)));

  auto ok = cancel(c, unpaid);
  EXPECT_EQ(ok.status, 200u) << ok.body;
  EXPECT_EQ(detail_of(c, unpaid).order.status, order_status::cancelled);
  // A cancelled order cannot be paid: its servers never appear.
  EXPECT_EQ(c.request("POST", "/_emulator/orders/" + unpaid + "/pay").status, 404u);
  EXPECT_EQ(test::list(c, "").at("count").as_int64(), 1);

  auto again = cancel(c, unpaid);
  EXPECT_EQ(again.status, 400u);
  EXPECT_EQ(again.error_code(), "CBC.30000067");
  auto completed = cancel(c, paid);
  EXPECT_EQ(completed.status, 400u);
  EXPECT_EQ(completed.error_code(), "CBC.30000067");
  EXPECT_EQ(detail_of(c, paid).order.status, order_status::completed);
  auto unknown = cancel(c, "CS-no-such-order");
  EXPECT_EQ(unknown.status, 400u);
  EXPECT_EQ(unknown.error_code(), "CBC.0100");
  auto no_body =
      c.request("PUT", std::string(bss_path::cancel_order), {{"Content-Type", "application/json"}}, "{}");
  EXPECT_EQ(no_body.status, 400u);
  EXPECT_EQ(no_body.error_msg(), "Invalid parameter: order_id: is missing");
}

TEST(billing_test, with_a_domain_id_every_billing_call_must_name_that_account) {
  emulator_options o;
  o.domain_id = "acct0001";
  running_emulator emu(o);
  auto c = emu.client();
  auto missing = c.request("GET", k_orders);
  EXPECT_EQ(missing.status, 401u);
  EXPECT_EQ(missing.error_code(), "APIGW.0301");
  EXPECT_EQ(missing.error_msg(), "Incorrect IAM authentication information: X-Domain-Id header is missing");
  auto wrong = c.request("GET", k_orders, {{"X-Domain-Id", "acct0002"}});
  EXPECT_EQ(wrong.status, 401u);
  EXPECT_EQ(wrong.error_msg(), "Incorrect IAM authentication information: X-Domain-Id is not this account");
  EXPECT_EQ(list_orders(c, "", {{"X-Domain-Id", "acct0001"}}).total_count, 0);
  // CPH calls are project-scoped and do not need it.
  EXPECT_EQ(test::list(c, "").at("count").as_int64(), 0);
}

TEST(billing_test, a_path_under_the_orders_that_is_no_call_is_the_gateways_404) {
  running_emulator emu;
  auto c = emu.client();
  auto r = c.request("DELETE", k_orders);
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.error_code(), "APIGW.0101");
}

}  // namespace
}  // namespace cphfleet
