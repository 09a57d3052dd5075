// The emulated billing service over real sockets: every purchase is an order at once (6 pending
// payment, 5 completed), priced from the table, paid through the admin endpoint or PayOrders (never
// twice), cancelled while unpaid only, its resources carrying the emulator's CPH codes, prices quoted by
// ListRateOnPeriodDetail, and X-Domain-Id checked with --domain-id.
#include "emulator/billing.hpp"

#include "api/bss.hpp"
#include "emulator_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace cphfleet {
namespace {

using test::buy;
using test::purchase_body;
using test::running_emulator;

std::string pid_of_test() { return test::pid; }

std::vector<std::string> names_of_servers(test::http_client& c) {
  auto names = test::names_of(test::list(c, ""));
  std::sort(names.begin(), names.end());
  return names;
}

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

decimal money(std::string_view text) {
  auto d = decimal::parse(text);
  EXPECT_TRUE(d.has_value()) << text;
  return d.value_or(decimal());
}

TEST(billing_test, prices_multiply_exactly_in_decimal) {
  const billing table;
  EXPECT_EQ(table.amount_of("physical.rx1.xlarge", 2, 1, 3).text(), "9600.00");
  EXPECT_EQ(table.amount_of("physical.rx1.xlarge", 2, 1, 47).text(), "150400.00");
  EXPECT_EQ(table.amount_of("physical.rx1.xlarge", 3, 2, 5).text(), "320000.00");  // 32000.00 a year
  EXPECT_EQ(table.amount_of("physical.rx1.xlarge.cg", 2, 1, 3).text(), "12300.75");
  EXPECT_EQ(table.amount_of("a.flavor.not.in.the.table", 2, 10, 1).text(), "29999.90");  // "*"
  // Fractions of a cent stay exact, with the price's digits.
  const billing tiny({{"*", money("0.05"), money("0.001")}});
  EXPECT_EQ(tiny.amount_of("any", 2, 1, 3).text(), "0.15");
  EXPECT_EQ(tiny.amount_of("any", 3, 1, 1).text(), "0.001");
  EXPECT_EQ(tiny.amount_of("any", 3, 7, 6).text(), "0.042");
  const billing whole({{"*", money("7"), money("70")}});
  EXPECT_EQ(whole.amount_of("any", 2, 2, 3).text(), "42");
  EXPECT_THROW(billing({{"*", money("900000000000000000"), money("1")}}).amount_of("any", 2, 1, 2),
               std::overflow_error);
}

TEST(billing_test, every_flavor_has_the_emulators_own_codes) {
  const billing_codes c = billing_codes_for("physical.rx1.xlarge");
  EXPECT_EQ(c.cloud_service_type, "hws.service.type.cph");
  EXPECT_EQ(c.resource_type, "hws.resource.type.cph.server");
  EXPECT_EQ(c.resource_spec, "physical.rx1.xlarge.cph");
  EXPECT_EQ(billing_codes_for("physical.kg1.4xlarge.cg").resource_spec, "physical.kg1.4xlarge.cg.cph");
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

// ---- prices ------------------------------------------------------------------------------------------

rate_product product(std::string id, std::string_view flavor, int period_type, std::int64_t period_num,
                     std::int64_t subscription_num) {
  const billing_codes codes = billing_codes_for(flavor);
  rate_product p;
  p.id = std::move(id);
  p.cloud_service_type = codes.cloud_service_type;
  p.resource_type = codes.resource_type;
  p.resource_spec = codes.resource_spec;
  p.region = "cn-north-4";
  p.period_type = period_type;
  p.period_num = period_num;
  p.subscription_num = subscription_num;
  return p;
}

test::http_result quote(test::http_client& c, std::vector<rate_product> products) {
  return c.request("POST", std::string(bss_path::period_rate), {{"Content-Type", "application/json"}},
                   write_rate_request(rate_request{pid_of_test(), std::move(products)}));
}

TEST(billing_test, a_quote_is_the_price_table_times_the_quantities_exactly) {
  running_emulator emu;
  auto c = emu.client();
  auto r =
      quote(c, {product("a", "physical.rx1.xlarge", 2, 1, 47), product("b", "physical.rx1.xlarge", 3, 1, 2),
                product("c", "physical.rx1.xlarge.cg", 2, 3, 1)});
  ASSERT_EQ(r.status, 200u) << r.body;
  const rate_answer a = read_rate_answer(r.body);
  EXPECT_EQ(a.currency, "CNY");
  ASSERT_EQ(a.products.size(), 3u);
  EXPECT_EQ(a.products[0].id, "a");
  EXPECT_EQ(a.products[0].official_website_amount, "150400.00");  // 47 x 3200.00
  EXPECT_EQ(a.products[0].product_id, product_id_for("physical.rx1.xlarge"));
  EXPECT_EQ(a.products[1].id, "b");
  EXPECT_EQ(a.products[1].official_website_amount, "64000.00");  // 2 x 32000.00 a year
  EXPECT_EQ(a.products[2].id, "c");
  EXPECT_EQ(a.products[2].official_website_amount, "12300.75");  // 3 months x 4100.25
  EXPECT_EQ(a.products[2].product_id, product_id_for("physical.rx1.xlarge.cg"));
  EXPECT_EQ(a.official_website_amount, "226700.75");
  // The amounts are JSON numbers with every digit written.
  EXPECT_NE(r.body.find("\"official_website_amount\":226700.75"), std::string::npos) << r.body;
  // A quote is the amount of the order the purchase then makes (a purchase buys at most 10).
  const std::string id = order_id_of(buy(c, purchase_body("bill-quote", 10, 0)));
  auto same = quote(c, {product("p", "physical.rx1.xlarge", 2, 1, 10)});
  ASSERT_EQ(same.status, 200u) << same.body;
  EXPECT_EQ(read_rate_answer(same.body).official_website_amount, "32000.00");
  EXPECT_EQ(detail_of(c, id).order.official_amount, "32000.00");
  auto stats = c.request("GET", "/_emulator/stats").json();
  EXPECT_EQ(stats.at("api_calls").at("billing").to_number<std::uint64_t>(), 3u);
}

TEST(billing_test, a_quote_refuses_unknown_codes_and_periods_it_does_not_price) {
  running_emulator emu;
  auto c = emu.client();
  auto unknown = product("x", "physical.rx1.xlarge", 2, 1, 1);
  unknown.resource_spec = "physical.rx1.xlarge";
  auto r = quote(c, {product("a", "physical.rx1.xlarge", 2, 1, 1), unknown});
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.error_code(), "CBC.0100");
  EXPECT_EQ(r.error_msg(),
            "Invalid parameter: product_infos[1]: no product has these codes (cloud_service_type "
            "\"hws.service.type.cph\", resource_type \"hws.resource.type.cph.server\", resource_spec "
            "\"physical.rx1.xlarge\") (emulated).");
  // A flavor the catalog does not hold has no codes either.
  EXPECT_EQ(quote(c, {product("a", "physical.no.such", 2, 1, 1)}).error_code(), "CBC.0100");
  r = quote(c, {product("a", "physical.rx1.xlarge", 0, 1, 1)});
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.error_msg(),
            "Invalid parameter: product_infos[0].period_type: the emulator prices months (2) and years (3) "
            "only.");
  r = quote(c, {product("a", "physical.rx1.xlarge", 2, 0, 1)});
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.error_msg(), "Invalid parameter: product_infos[0].period_num: must be at least 1.");
  r = quote(c, {product("a", "physical.rx1.xlarge", 3, 1, 0)});
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.error_msg(), "Invalid parameter: product_infos[0].subscription_num: must be at least 1.");
  r = quote(c, {});
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.error_msg(), "Invalid parameter: product_infos: must name at least one product.");
}

// ---- the resources of an order -------------------------------------------------------------------------

order_resources_page resources_of(test::http_client& c, resources_query q) {
  auto r = c.request("POST", std::string(bss_path::order_resources), {{"Content-Type", "application/json"}},
                     write_resources_query(q));
  EXPECT_EQ(r.status, 200u) << r.body;
  return r.status == 200u ? read_order_resources(r.body) : order_resources_page{};
}

TEST(billing_test, the_resources_of_an_order_carry_its_flavors_codes) {
  running_emulator emu;
  auto c = emu.client();
  const std::string id = order_id_of(buy(c, purchase_body("bill-res", 3, 0)));
  order_resources_page page = resources_of(c, {id, 1, std::nullopt, std::nullopt});
  EXPECT_EQ(page.total_count, 3);
  ASSERT_EQ(page.resources.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const order_resource& r = page.resources[i];
    EXPECT_EQ(r.resource_id, id + "-" + std::to_string(i + 1));  // no server yet
    EXPECT_EQ(r.service_type_code, "hws.service.type.cph");
    EXPECT_EQ(r.resource_type_code, "hws.resource.type.cph.server");
    EXPECT_EQ(r.resource_spec_code, "physical.rx1.xlarge.cph");
    EXPECT_EQ(r.region_code, "cn-north-4");
    EXPECT_EQ(r.product_id, product_id_for("physical.rx1.xlarge"));
    EXPECT_EQ(r.product_spec_desc, "physical.rx1.xlarge | aphs1.medium.4.aosp");
    EXPECT_EQ(r.is_main_resource, 1);
  }
  // Paid: the servers are the resources. Pages as the model's offset and limit say.
  ASSERT_EQ(c.request("POST", "/_emulator/orders/" + id + "/pay").status, 200u);
  auto ids = test::orders_of(c).at(0).at("server_ids").as_array();
  ASSERT_EQ(ids.size(), 3u);
  page = resources_of(c, {id, std::nullopt, 1, 2});
  EXPECT_EQ(page.total_count, 3);
  ASSERT_EQ(page.resources.size(), 2u);
  EXPECT_EQ(page.resources[0].resource_id, ids[1].as_string());
  EXPECT_EQ(page.resources[1].resource_id, ids[2].as_string());
  EXPECT_EQ(page.resources[1].status, 2);

  resources_query none;
  none.order_id = "CS-no-such-order";
  auto unknown = c.request("POST", std::string(bss_path::order_resources),
                           {{"Content-Type", "application/json"}}, write_resources_query(none));
  EXPECT_EQ(unknown.status, 400u);
  EXPECT_EQ(unknown.error_code(), "CBC.0100");
  EXPECT_EQ(unknown.error_msg(), "Invalid parameter: the order does not exist (emulated).");
}

// ---- paying --------------------------------------------------------------------------------------------

test::http_result pay(test::http_client& c, const std::string& id) {
  return c.request("POST", std::string(bss_path::pay_orders), {{"Content-Type", "application/json"}},
                   write_pay_request({id}));
}

boost::json::object admin_order(test::http_client& c, const std::string& id) {
  for (const auto& o : test::orders_of(c))
    if (o.at("order_id").as_string() == id) return o.as_object();
  ADD_FAILURE() << "no order " << id;
  return {};
}

TEST(billing_test, pay_orders_answers_204_and_the_orders_servers_follow) {
  running_emulator emu;
  auto c = emu.client();
  const std::string id = order_id_of(buy(c, purchase_body("bill-payo", 2, 0)));
  EXPECT_EQ(test::list(c, "").at("count").as_int64(), 0);
  auto r = pay(c, id);
  EXPECT_EQ(r.status, 204u);
  EXPECT_EQ(r.body, "");
  bss_order_detail d = detail_of(c, id);
  EXPECT_EQ(d.order.status, order_status::completed);
  EXPECT_TRUE(parse_bss_time(d.order.payment_time).has_value()) << d.order.payment_time;
  EXPECT_EQ(names_of_servers(c), (std::vector<std::string>{"bill-payo-0001", "bill-payo-0002"}));
  auto shown = admin_order(c, id);
  EXPECT_EQ(shown.at("bss_status").as_int64(), 5);
  EXPECT_EQ(shown.at("pay_count").as_int64(), 1);
  EXPECT_EQ(shown.at("payment_time").as_string(), d.order.payment_time);
  EXPECT_EQ(shown.at("server_ids").as_array().size(), 2u);

  // Paid already: refused, nothing paid again.
  auto again = pay(c, id);
  EXPECT_EQ(again.status, 400u);
  EXPECT_EQ(again.error_code(), "CBC.30000010");
  EXPECT_EQ(again.error_msg(), "The order is not pending payment (emulated).");
  EXPECT_EQ(admin_order(c, id).at("pay_count").as_int64(), 1);
  EXPECT_EQ(test::list(c, "").at("count").as_int64(), 2);
  // As are a cancelled order, an auto-paid one and one that does not exist.
  const std::string cancelled = order_id_of(buy(c, purchase_body("bill-payc", 1, 0)));
  ASSERT_EQ(cancel(c, cancelled).status, 200u);
  EXPECT_EQ(pay(c, cancelled).error_code(), "CBC.30000010");
  const std::string auto_paid = order_id_of(buy(c, purchase_body("bill-paya", 1, 1)));
  EXPECT_EQ(pay(c, auto_paid).error_code(), "CBC.30000010");
  EXPECT_EQ(admin_order(c, auto_paid).at("pay_count").as_int64(), 1);
  auto unknown = pay(c, "CS-no-such-order");
  EXPECT_EQ(unknown.status, 400u);
  EXPECT_EQ(unknown.error_code(), "CBC.0100");
  auto no_id = c.request("POST", std::string(bss_path::pay_orders), {{"Content-Type", "application/json"}},
                         R"({"use_coupon": "NO"})");
  EXPECT_EQ(no_id.status, 400u);
  EXPECT_EQ(no_id.error_msg(), "Invalid parameter: order_id: is missing");
  auto stats = c.request("GET", "/_emulator/stats").json();
  EXPECT_EQ(stats.at("api_calls").at("billing").to_number<std::uint64_t>(), 8u);
  EXPECT_EQ(stats.at("servers").to_number<std::uint64_t>(), 3u);
}

TEST(billing_test, a_second_pay_while_the_first_is_processing_pays_nothing) {
  emulator_options o;
  o.pay_ms = 3'600'000;
  running_emulator emu(o);
  auto c = emu.client();
  const std::string id = order_id_of(buy(c, purchase_body("bill-twice", 2, 0)));
  EXPECT_EQ(pay(c, id).status, 204u);
  EXPECT_EQ(detail_of(c, id).order.status, order_status::processing);
  EXPECT_EQ(detail_of(c, id).order.payment_time, "");
  auto again = pay(c, id);
  EXPECT_EQ(again.status, 400u);
  EXPECT_EQ(again.error_code(), std::string(k_payment_under_way));
  EXPECT_EQ(again.error_msg(), "The payment of this order is under way: nothing is paid again (emulated).");
  // Nor does the console's pay, and the order cannot be cancelled any more.
  EXPECT_EQ(c.request("POST", "/_emulator/orders/" + id + "/pay").status, 404u);
  EXPECT_EQ(cancel(c, id).error_code(), "CBC.30000067");
  auto shown = admin_order(c, id);
  EXPECT_EQ(shown.at("bss_status").as_int64(), 3);
  EXPECT_EQ(shown.at("bss_status_name").as_string(), "processing");
  EXPECT_EQ(shown.at("pay_count").as_int64(), 1);
  EXPECT_TRUE(shown.at("server_ids").as_array().empty());
  EXPECT_EQ(test::list(c, "").at("count").as_int64(), 0);
}

TEST(billing_test, a_payment_is_due_pay_ms_after_it_started_on_the_callers_clock) {
  emulator_state state;
  billing bills(builtin_prices(), 0, 5000);
  const purchase_request request = test::purchase_of("bill-due", 2, 0);
  const emulator_order& o = state.commit(request, 1'000'000);
  bills.record(o, request, 1'000'000);
  EXPECT_EQ(bills.start_payment(o.order_id, 1'000'000), pay_result::started);
  EXPECT_EQ(bills.start_payment(o.order_id, 1'000'001), pay_result::under_way);
  EXPECT_TRUE(bills.due_payments(1'004'999).empty());
  const auto due = bills.due_payments(1'005'000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0], std::make_pair(o.order_id, std::int64_t{1'005'000}));
  bills.complete(o.order_id, 1'005'000);
  const billing_record* r = bills.find(o.order_id);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->order.status, order_status::completed);
  EXPECT_EQ(r->order.payment_time, bss_time(1005));
  EXPECT_EQ(r->pay_count, 1);
  EXPECT_TRUE(bills.due_payments(2'000'000).empty());
  EXPECT_EQ(bills.start_payment(o.order_id, 2'000'000), pay_result::not_pending);
  EXPECT_EQ(bills.start_payment("CS-no-such-order", 2'000'000), pay_result::no_such_order);
}

TEST(billing_test, a_pay_whose_answer_is_dropped_is_taken_once) {
  emulator_options o;
  o.script = "1:pay_drop";  // the first PayOrders call; purchase 1 is untouched
  running_emulator emu(o);
  auto c = emu.client();
  const std::string id = order_id_of(buy(c, purchase_body("bill-drop", 2, 0)));
  EXPECT_THROW(pay(c, id), boost::system::system_error);  // closed without an answer
  auto fresh = emu.client();
  EXPECT_EQ(detail_of(fresh, id).order.status, order_status::completed);
  EXPECT_EQ(admin_order(fresh, id).at("pay_count").as_int64(), 1);
  EXPECT_EQ(test::list(fresh, "").at("count").as_int64(), 2);
  // Paying again, as a client that lost the answer might: refused, still paid once.
  EXPECT_EQ(pay(fresh, id).error_code(), "CBC.30000010");
  EXPECT_EQ(admin_order(fresh, id).at("pay_count").as_int64(), 1);
  auto stats = fresh.request("GET", "/_emulator/stats").json();
  EXPECT_EQ(stats.at("faults").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(stats.at("servers").to_number<std::uint64_t>(), 2u);
}

TEST(billing_test, pay_drop_by_probability_drops_every_pay_it_draws_and_no_purchase) {
  emulator_options o;
  o.faults["pay_drop"] = 1.0;
  o.seed = 11;
  running_emulator emu(o);
  auto c = emu.client();
  const std::string a = order_id_of(buy(c, purchase_body("bill-pd-a", 1, 0)));
  const std::string b = order_id_of(buy(c, purchase_body("bill-pd-b", 1, 0)));
  EXPECT_THROW(pay(c, a), boost::system::system_error);
  auto fresh = emu.client();
  EXPECT_THROW(pay(fresh, b), boost::system::system_error);
  auto last = emu.client();
  EXPECT_EQ(admin_order(last, a).at("pay_count").as_int64(), 1);
  EXPECT_EQ(admin_order(last, b).at("pay_count").as_int64(), 1);
  // A refused pay is answered: nothing was taken, so nothing is dropped.
  EXPECT_EQ(pay(last, a).error_code(), "CBC.30000010");
}

}  // namespace
}  // namespace cphfleet
