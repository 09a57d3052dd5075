#include "api/bss.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <stdexcept>
#include <string>

namespace cphfleet {
namespace {

std::string what_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(bss_test, an_order_page_is_read_with_amounts_as_written) {
  const std::string body = R"({"total_count": 2, "order_infos": [
    {"order_id": "CS2611301200AAAA", "customer_id": "c1", "service_type_code": "hws.service.type.cph",
     "service_type_name": "Cloud Phone", "source_type": 1, "status": 6, "order_type": 1,
     "amount_after_discount": 3200.10, "official_amount": 3200.10, "measure_id": 1,
     "create_time": "2026-11-30T12:00:01Z", "payment_time": null, "currency": "CNY",
     "amount_info": {"discounts": []}, "enterprise_projects": [], "new_field": [1, 2]},
    {"order_id": "CS2611301200BBBB", "status": 5, "order_type": 1, "official_amount": 1e2,
     "amount_after_discount": 0.000000000000000001, "currency": "USD",
     "create_time": "2026-11-30T12:00:02Z", "payment_time": "2026-11-30T12:00:03Z"}]})";
  bss_order_page page = read_order_page(body);
  EXPECT_EQ(page.total_count, 2);
  ASSERT_EQ(page.orders.size(), 2u);
  const bss_order& a = page.orders[0];
  EXPECT_EQ(a.order_id, "CS2611301200AAAA");
  EXPECT_EQ(a.service_type_code, "hws.service.type.cph");
  EXPECT_EQ(a.status, order_status::pending_payment);
  EXPECT_EQ(a.order_type, 1);
  // The trailing zero and every digit stay: no trip through double.
  EXPECT_EQ(a.official_amount, "3200.10");
  EXPECT_EQ(a.amount_after_discount, "3200.10");
  EXPECT_EQ(a.currency, "CNY");
  EXPECT_EQ(a.create_time, "2026-11-30T12:00:01Z");
  EXPECT_EQ(a.payment_time, "");
  EXPECT_EQ(page.orders[1].official_amount, "1e2");
  EXPECT_EQ(page.orders[1].amount_after_discount, "0.000000000000000001");
  EXPECT_EQ(page.orders[1].payment_time, "2026-11-30T12:00:03Z");
}

TEST(bss_test, an_order_page_written_reads_back_the_same) {
  bss_order o;
  o.order_id = "CS1";
  o.service_type_code = std::string(cph_service_type_code);
  o.status = order_status::completed;
  o.order_type = 1;
  o.official_amount = "96000.30";
  o.amount_after_discount = "90000.00";
  o.currency = "CNY";
  o.create_time = "2026-12-01T10:00:00Z";
  o.payment_time = "2026-12-01T10:05:00Z";
  const std::string text = write_order_page({7, {o}});
  EXPECT_NE(text.find("\"official_amount\":96000.30"), std::string::npos) << text;
  EXPECT_NE(text.find("\"total_count\":7"), std::string::npos) << text;
  bss_order_page back = read_order_page(text);
  EXPECT_EQ(back.total_count, 7);
  ASSERT_EQ(back.orders.size(), 1u);
  EXPECT_EQ(back.orders[0].official_amount, "96000.30");
  EXPECT_EQ(back.orders[0].amount_after_discount, "90000.00");
  EXPECT_EQ(back.orders[0].status, order_status::completed);
  EXPECT_EQ(back.orders[0].payment_time, "2026-12-01T10:05:00Z");
  // A plain JSON parser sees numbers where the SDK's model has them.
  auto plain = boost::json::parse(text);
  EXPECT_TRUE(plain.at("order_infos").at(0).at("official_amount").is_double());
  EXPECT_TRUE(plain.at("order_infos").at(0).at("status").is_int64());
}

TEST(bss_test, an_order_detail_round_trips_with_its_line_items) {
  bss_order_detail d;
  d.order.order_id = "CS2";
  d.order.status = order_status::pending_payment;
  d.order.official_amount = "6400.00";
  d.order.currency = "CNY";
  bss_order_line l;
  l.order_line_item_id = "CS2-1";
  l.service_type_code = "hws.service.type.cph";
  l.product_id = "00301-123";
  l.product_spec_desc = "physical.rx1.xlarge";
  l.period_type = 2;
  l.period_num = 1;
  l.subscription_num = 2;
  l.official_amount = "6400.00";
  l.currency = "CNY";
  d.lines = {l};
  bss_order_detail back = read_order_detail(write_order_detail(d));
  EXPECT_EQ(back.order.order_id, "CS2");
  EXPECT_EQ(back.order.status, order_status::pending_payment);
  ASSERT_EQ(back.lines.size(), 1u);
  EXPECT_EQ(back.lines[0].order_line_item_id, "CS2-1");
  EXPECT_EQ(back.lines[0].product_id, "00301-123");
  EXPECT_EQ(back.lines[0].product_spec_desc, "physical.rx1.xlarge");
  EXPECT_EQ(back.lines[0].period_type, 2);
  EXPECT_EQ(back.lines[0].period_num, 1);
  EXPECT_EQ(back.lines[0].subscription_num, 2);
  EXPECT_EQ(back.lines[0].official_amount, "6400.00");
}

TEST(bss_test, the_sdk_shape_of_a_detail_is_read_and_its_unknown_fields_ignored) {
  const std::string body = R"({"total_count": 1, "order_info": {"order_id": "CS3", "status": 4,
    "user_name": "op", "pending_payment_end_time": "2026-12-08T00:00:00Z", "official_amount": 12.5,
    "sub_order_infos": [{"x": 1}]}, "order_line_items": [{"order_line_item_id": "L1", "period_type": 3,
    "period_num": 2, "subscription_num": 10, "official_amount": 250000.000, "amount_info": {},
    "base_product_info": {"product_id": "p"}, "expire_time": "2028-12-01T00:00:00Z"}]})";
  bss_order_detail d = read_order_detail(body);
  EXPECT_EQ(d.order.status, order_status::cancelled);
  EXPECT_EQ(d.order.official_amount, "12.5");
  ASSERT_EQ(d.lines.size(), 1u);
  EXPECT_EQ(d.lines[0].period_type, 3);
  EXPECT_EQ(d.lines[0].subscription_num, 10);
  EXPECT_EQ(d.lines[0].official_amount, "250000.000");
}

TEST(bss_test, wrong_types_are_refused_naming_the_field) {
  EXPECT_EQ(
      what_of([] { read_order_page(R"({"total_count": 1, "order_infos": [{"official_amount": "1.0"}]})"); }),
      "order_infos[0].official_amount: must be a number");
  EXPECT_EQ(what_of([] { read_order_page(R"({"total_count": 1, "order_infos": [{}, {"status": "5"}]})"); }),
            "order_infos[1].status: must be an integer");
  EXPECT_EQ(what_of([] { read_order_page(R"({"total_count": 1, "order_infos": [{"status": 5.5}]})"); }),
            "order_infos[0].status: must be an integer");
  EXPECT_EQ(what_of([] { read_order_page(R"({"total_count": 1, "order_infos": [{"order_id": 12}]})"); }),
            "order_infos[0].order_id: must be a string");
  EXPECT_EQ(what_of([] { read_order_page(R"({"total_count": 1, "order_infos": {}})"); }),
            "order_infos: must be an array");
  EXPECT_EQ(what_of([] { read_order_page(R"({"total_count": 1, "order_infos": [3]})"); }),
            "order_infos[0]: must be an object");
  EXPECT_EQ(what_of([] { read_order_page(R"({"total_count": 0})"); }), "order_infos: is missing");
  EXPECT_EQ(what_of([] { read_order_page("[]"); }), "the answer: must be an object");
  EXPECT_EQ(what_of([] { read_order_detail(R"({"order_line_items": []})"); }), "order_info: is missing");
  EXPECT_EQ(
      what_of([] { read_order_detail(R"({"order_info": {}, "order_line_items": [{"period_num": true}]})"); }),
      "order_line_items[0].period_num: must be an integer");
  EXPECT_EQ(what_of([] { read_order_page("{\"total_count\": 1,"); }).rfind("not JSON: ", 0), 0u);
}

TEST(bss_test, decimal_text_is_checked_before_it_is_written) {
  EXPECT_TRUE(is_decimal_text("0"));
  EXPECT_TRUE(is_decimal_text("-12.50"));
  EXPECT_TRUE(is_decimal_text("1.5E+3"));
  EXPECT_FALSE(is_decimal_text(""));
  EXPECT_FALSE(is_decimal_text("01"));
  EXPECT_FALSE(is_decimal_text("1."));
  EXPECT_FALSE(is_decimal_text(".5"));
  EXPECT_FALSE(is_decimal_text("12,50"));
  EXPECT_FALSE(is_decimal_text("NaN"));
  EXPECT_EQ(what_of([] { bss_number("1,5"); }), "\"1,5\" is not a decimal number");
  EXPECT_EQ(write_bss_json(parse_bss_json(R"({"a":[1.10,-0,2e-7,{"b":"x\"y"}],"c":null,"d":true})")),
            R"({"a":[1.10,-0,2e-7,{"b":"x\"y"}],"c":null,"d":true})");
}

TEST(bss_test, the_list_query_is_the_sdk_parameters_and_reads_back) {
  bss_list_query q;
  q.create_time_begin = bss_time(1764590400);  // 2025-12-01T12:00:00Z
  q.create_time_end = bss_time(1764594000);
  q.status = order_status::pending_payment;
  q.order_type = "1";
  q.service_type_code = "hws.service.type.cph";
  q.limit = 100;
  q.offset = 200;
  q.order_by = "createTime";
  const std::string text = to_query_text(q);
  EXPECT_EQ(text,
            "create_time_begin=2025-12-01T12%3A00%3A00Z&create_time_end=2025-12-01T13%3A00%3A00Z&status=6&"
            "order_type=1&service_type_code=hws.service.type.cph&limit=100&offset=200&order_by=createTime");
  parsed_bss_query back = parse_bss_list_query(text);
  ASSERT_TRUE(back.query) << back.error;
  EXPECT_EQ(back.query->create_time_begin, "2025-12-01T12:00:00Z");
  EXPECT_EQ(back.query->status, 6);
  EXPECT_EQ(back.query->limit, 100);
  EXPECT_EQ(back.query->offset, 200);
  EXPECT_EQ(parse_bss_list_query("limit=101").error, "Invalid parameter: limit.");
  EXPECT_EQ(parse_bss_list_query("create_time_begin=2025-12-01T12:00:00.000Z").error,
            "Invalid parameter: create_time_begin.");
  EXPECT_EQ(parse_bss_list_query("order_by=name").error, "Invalid parameter: order_by.");
  EXPECT_EQ(parse_bss_time("2025-12-01T12:00:00Z"), 1764590400);
  EXPECT_EQ(parse_bss_time("2025-12-01 12:00:00Z"), std::nullopt);
}

TEST(bss_test, status_names_are_the_sdk_enum) {
  EXPECT_EQ(order_status_name(1), "pending approval");
  EXPECT_EQ(order_status_name(2), "pending refund");
  EXPECT_EQ(order_status_name(3), "processing");
  EXPECT_EQ(order_status_name(4), "cancelled");
  EXPECT_EQ(order_status_name(5), "completed");
  EXPECT_EQ(order_status_name(6), "pending payment");
  EXPECT_EQ(order_status_name(9), "status 9");
}

TEST(bss_test, the_cancel_body_is_the_sdk_request_model) {
  EXPECT_EQ(write_cancel_request("CS9"), R"({"order_id":"CS9"})");
  EXPECT_EQ(read_cancel_request(R"({"order_id":"CS9","x":1})"), "CS9");
  EXPECT_EQ(what_of([] { read_cancel_request("{}"); }), "order_id: is missing");
}

TEST(bss_test, the_pay_body_is_the_sdk_request_model_without_coupons) {
  EXPECT_EQ(write_pay_request({"CS9"}), R"({"order_id":"CS9","use_coupon":"NO","use_discount":"NO"})");
  pay_request back = read_pay_request(R"({"order_id":"CS9","use_coupon":"NO","use_discount":"YES"})");
  EXPECT_EQ(back.order_id, "CS9");
  EXPECT_EQ(back.use_discount, "YES");
  EXPECT_EQ(what_of([] { read_pay_request(R"({"use_coupon":"NO"})"); }), "order_id: is missing");
  EXPECT_EQ(what_of([] { read_pay_request(R"({"order_id":"CS9","use_coupon":"no"})"); }),
            "use_coupon: must be YES or NO");
}

TEST(bss_test, an_order_resources_page_round_trips_and_keeps_the_codes) {
  EXPECT_EQ(write_resources_query({"CS9", 1, std::nullopt, 100}),
            R"({"order_id":"CS9","only_main_resource":1,"limit":100})");
  resources_query q = read_resources_query(R"({"order_id":"CS9","only_main_resource":1})");
  EXPECT_EQ(q.order_id, "CS9");
  EXPECT_EQ(q.only_main_resource, 1);
  EXPECT_EQ(q.limit, std::nullopt);

  order_resources_page page;
  page.total_count = 1;
  order_resource r;
  r.resource_id = "srv-1";
  r.service_type_code = "hws.service.type.cph";
  r.resource_type_code = "hws.resource.type.cph.server";
  r.resource_spec_code = "physical.rx1.xlarge";
  r.region_code = "cn-east-3";
  r.is_main_resource = 1;
  page.resources.push_back(r);
  order_resources_page back = read_order_resources(write_order_resources(page));
  ASSERT_EQ(back.resources.size(), 1u);
  EXPECT_EQ(back.total_count, 1);
  EXPECT_EQ(back.resources[0].resource_type_code, "hws.resource.type.cph.server");
  EXPECT_EQ(back.resources[0].resource_spec_code, "physical.rx1.xlarge");
  EXPECT_EQ(back.resources[0].is_main_resource, 1);
  EXPECT_EQ(what_of([] { read_order_resources(R"({"total_count":0})"); }), "data: is missing");
  EXPECT_EQ(what_of([] { read_order_resources(R"({"data":[{"status":"1"}]})"); }),
            "data[0].status: must be an integer");
}

TEST(bss_test, a_price_inquiry_round_trips_and_its_amounts_stay_decimal_text) {
  rate_request req;
  req.project_id = "p1";
  rate_product p;
  p.id = "web";
  p.cloud_service_type = "hws.service.type.cph";
  p.resource_type = "hws.resource.type.cph.server";
  p.resource_spec = "physical.rx1.xlarge";
  p.region = "cn-east-3";
  p.period_type = 2;
  p.period_num = 1;
  p.subscription_num = 47;
  req.products.push_back(p);
  EXPECT_EQ(write_rate_request(req),
            R"({"project_id":"p1","product_infos":[{"id":"web","cloud_service_type":"hws.service.type.cph",)"
            R"("resource_type":"hws.resource.type.cph.server","resource_spec":"physical.rx1.xlarge",)"
            R"("region":"cn-east-3","period_type":2,"period_num":1,"subscription_num":47}]})");
  rate_request back = read_rate_request(write_rate_request(req));
  ASSERT_EQ(back.products.size(), 1u);
  EXPECT_EQ(back.products[0].subscription_num, 47);
  EXPECT_EQ(back.products[0].resource_size, std::nullopt);
  EXPECT_EQ(what_of([] { read_rate_request(R"({"product_infos":[{"period_num":"1"}]})"); }),
            "product_infos[0].period_num: must be an integer");

  rate_answer a = read_rate_answer(
      R"({"currency":"CNY","official_website_rating_result":{"official_website_amount":150400.10,)"
      R"("product_rating_results":[{"id":"web","product_id":"OFFI1","official_website_amount":150400.10}]},)"
      R"("optional_discount_rating_results":[]})");
  EXPECT_EQ(a.currency, "CNY");
  EXPECT_EQ(a.official_website_amount, "150400.10");
  ASSERT_EQ(a.products.size(), 1u);
  EXPECT_EQ(a.products[0].official_website_amount, "150400.10");
  EXPECT_EQ(read_rate_answer(write_rate_answer(a)).products[0].product_id, "OFFI1");
  EXPECT_EQ(what_of([] { read_rate_answer(R"({"currency":"CNY"})"); }),
            "official_website_rating_result: is missing");
  EXPECT_EQ(what_of([] {
              read_rate_answer(R"({"official_website_rating_result":{"official_website_amount":"1.0"}})");
            }),
            "official_website_rating_result.official_website_amount: must be a number");
}

}  // namespace
}  // namespace cphfleet
