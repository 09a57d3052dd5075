// The billing service (BSS) as the official SDK's huaweicloud-sdk-bss models describe it (docs/service.md
// "Billing"): customer orders, their line items and states. The CPH purchase's order_id is a BSS order id.
// Amounts are decimals kept as the service wrote them (text), never binary floating point.
// The emulator writes these shapes and the client reads them, through the same functions (src/api/bss.cpp).
#pragma once
#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cphfleet {

// A customer order's status, as the SDK's enum.
namespace order_status {
inline constexpr int pending_approval = 1;
inline constexpr int pending_refund = 2;
inline constexpr int processing = 3;
inline constexpr int cancelled = 4;
inline constexpr int completed = 5;
inline constexpr int pending_payment = 6;
}  // namespace order_status

// One order of ListCustomerOrders (the fields cphfleet uses; the reader ignores the others).
struct bss_order {
  std::string order_id;
  std::string service_type_code;  // "hws.service.type.cph" for cloud phones
  int status = 0;                 // order_status
  int order_type = 0;
  std::string official_amount;        // list price, decimal text
  std::string amount_after_discount;  // decimal text
  std::string currency;               // CNY, USD, EUR
  std::string create_time;            // UTC "yyyy-MM-ddTHH:mm:ssZ"
  std::string payment_time;           // empty while unpaid
};

// One line item of ShowCustomerOrderDetails.
struct bss_order_line {
  std::string order_line_item_id;
  std::string service_type_code;
  std::string product_id;
  std::string product_spec_desc;
  int period_type = 0;  // 2 month, 3 year (as the purchase's extend_param.period_type)
  std::int64_t period_num = 0;
  std::int64_t subscription_num = 0;  // how many of the product
  std::string official_amount;
  std::string currency;
};

struct bss_order_detail {
  bss_order order;
  std::vector<bss_order_line> lines;
};

// ---- the calls ---------------------------------------------------------------------------------------

// Paths (no project in them: BSS is account-scoped) and limits.
namespace bss_path {
inline constexpr std::string_view customer_orders = "/v2/orders/customer-orders";                // GET
inline constexpr std::string_view order_details_prefix = "/v2/orders/customer-orders/details/";  // + id, GET
inline constexpr std::string_view cancel_order = "/v2/orders/customer-orders/cancel";            // PUT
inline constexpr std::string_view pay_orders = "/v3/orders/customer-orders/pay";                 // POST
// The resources of an order (Huawei's spelling), POST.
inline constexpr std::string_view order_resources = "/v2/orders/suscriptions/resources/query";
// ListRateOnPeriodDetail: the price of yearly/monthly products, POST.
inline constexpr std::string_view period_rate = "/v2/bills/ratings/period-resources/subscribe-rate";
}  // namespace bss_path
// PayOrders' answer for an order whose payment is already under way: a repeated pay pays nothing.
inline constexpr std::string_view k_payment_under_way = "CBC.99000088";
inline constexpr std::int64_t k_bss_max_limit = 100;  // ListCustomerOrders' largest page
// The service type code of cloud phone orders (not published by Huawei: docs/service.md "Billing").
inline constexpr std::string_view cph_service_type_code = "hws.service.type.cph";

// "pending approval", "pending refund", "processing", "cancelled", "completed", "pending payment";
// any other number reads "status N".
std::string order_status_name(int status);

// ListCustomerOrders' query parameters as the SDK's request model names them; unset: not sent.
struct bss_list_query {
  std::string create_time_begin;  // UTC yyyy-MM-ddTHH:mm:ssZ
  std::string create_time_end;
  std::optional<int> status;
  std::string order_type;  // a string in the model ("1" a new purchase)
  std::string service_type_code;
  std::optional<std::int64_t> limit;  // 1..100
  std::optional<std::int64_t> offset;
  std::string order_by;  // createTime or -createTime
};
// The query string, each parameter percent-encoded, in the order above.
std::string to_query_text(const bss_list_query& q);
// The emulator's side: the parameters it knows; a value it refuses gives the error message
// (CBC.0100's text), others are ignored.
struct parsed_bss_query {
  std::optional<bss_list_query> query;
  std::string error;
};
parsed_bss_query parse_bss_list_query(std::string_view query_text);
// UTC yyyy-MM-ddTHH:mm:ssZ of Unix seconds, and back (nullopt when not that form).
std::string bss_time(std::int64_t unix_s);
std::optional<std::int64_t> parse_bss_time(std::string_view text);

// ---- JSON both ways ----------------------------------------------------------------------------------
// The SDK types amounts as float; here they stay the number's text exactly as written ("12.50" stays
// "12.50"). So BSS bodies are read with parse_bss_json, which keeps every number's text, and written
// with write_bss_json; a plain boost::json parse would go through double. The readers ignore unknown
// fields, leave absent or null ones empty, and throw std::runtime_error naming the field's path on a
// wrong type (`order_infos[1].official_amount: must be a number`).

// True when `text` is a JSON number (what an amount may be written as).
bool is_decimal_text(std::string_view text);
// A JSON tree whose numbers keep their text (see bss_number); throws std::runtime_error when `text`
// is not JSON.
boost::json::value parse_bss_json(std::string_view text);
// The text of such a tree, numbers written exactly as they are kept.
std::string write_bss_json(const boost::json::value& v);
// A number kept as text in such a tree; throws std::invalid_argument when `text` is not a JSON number.
boost::json::value bss_number(std::string_view text);
boost::json::value bss_number(std::int64_t n);

boost::json::object to_json(const bss_order& o);
bss_order bss_order_from_json(const boost::json::value& v, std::string_view path = {});
boost::json::object to_json(const bss_order_line& l);
bss_order_line bss_order_line_from_json(const boost::json::value& v, std::string_view path = {});

// ListCustomerOrders' answer: {total_count, order_infos[]}. An absent order_infos is an error.
struct bss_order_page {
  std::int64_t total_count = 0;
  std::vector<bss_order> orders;
};
std::string write_order_page(const bss_order_page& page);
bss_order_page read_order_page(std::string_view body);
// ShowCustomerOrderDetails' answer: {total_count, order_info, order_line_items[]}; no order_info is an
// error.
std::string write_order_detail(const bss_order_detail& d);
bss_order_detail read_order_detail(std::string_view body);
// CancelCustomerOrder's body: {"order_id": ...}; reading it throws when there is no order id.
std::string write_cancel_request(std::string_view order_id);
std::string read_cancel_request(std::string_view body);

// ---- paying ------------------------------------------------------------------------------------------

// PayOrders' body (the SDK's PayCustomerOrderV3Req): cphfleet never uses coupons or discounts, so it
// always writes "NO" for both. 204 and no body on success.
struct pay_request {
  std::string order_id;
  std::string use_coupon = "NO";
  std::string use_discount = "NO";
};
std::string write_pay_request(const pay_request& r);
// Throws std::runtime_error when there is no order_id, or use_coupon/use_discount is not YES or NO.
pay_request read_pay_request(std::string_view body);

// ---- the resources of an order (ListPayPerUseCustomerResources' query by order) -----------------------

// The body (the SDK's QueryResourcesReq, the fields cphfleet sends).
struct resources_query {
  std::string order_id;
  std::optional<int> only_main_resource;  // 1: the main resources only
  std::optional<std::int64_t> offset;
  std::optional<std::int64_t> limit;
};
std::string write_resources_query(const resources_query& q);
// Throws std::runtime_error naming the field on a wrong type.
resources_query read_resources_query(std::string_view body);

// One resource (the SDK's OrderInstanceV2, the fields cphfleet uses): its codes are what a price
// inquiry needs for that product.
struct order_resource {
  std::string id;
  std::string resource_id;
  std::string resource_name;
  std::string region_code;
  std::string service_type_code;   // the price inquiry's cloud_service_type
  std::string resource_type_code;  // its resource_type
  std::string resource_spec_code;  // its resource_spec
  std::string project_id;
  std::string product_id;
  std::string product_spec_desc;
  int is_main_resource = 0;
  int status = 0;
};
struct order_resources_page {
  std::int64_t total_count = 0;
  std::vector<order_resource> resources;  // "data"
};
std::string write_order_resources(const order_resources_page& page);
// An absent `data` is an error.
order_resources_page read_order_resources(std::string_view body);

// ---- prices (ListRateOnPeriodDetail) ------------------------------------------------------------------

// One product to price (the SDK's PeriodProductInfo).
struct rate_product {
  std::string id;  // the caller's, echoed in the answer
  std::string cloud_service_type;
  std::string resource_type;
  std::string resource_spec;
  std::string region;
  std::string available_zone;                   // optional
  std::optional<std::int64_t> resource_size;    // linear products only
  std::optional<std::int64_t> size_measure_id;  // linear products only
  int period_type = 0;                          // 0 day, 2 month, 3 year, 4 hour
  std::int64_t period_num = 0;
  std::int64_t subscription_num = 0;
};
struct rate_request {
  std::string project_id;
  std::vector<rate_product> products;  // "product_infos"
};
std::string write_rate_request(const rate_request& r);
// Throws std::runtime_error naming the field (`product_infos[0].period_num: must be an integer`).
rate_request read_rate_request(std::string_view body);

// The list price of one product of the inquiry (for all its subscription_num and periods).
struct product_rate {
  std::string id;
  std::string product_id;
  std::string official_website_amount;  // decimal text
};
struct rate_answer {
  std::string currency;
  std::string official_website_amount;  // the whole inquiry's list price, decimal text
  std::vector<product_rate> products;   // official_website_rating_result.product_rating_results
};
std::string write_rate_answer(const rate_answer& a);
// No official_website_rating_result is an error.
rate_answer read_rate_answer(std::string_view body);

}  // namespace cphfleet
