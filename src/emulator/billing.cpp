#include "emulator/billing.hpp"

#include "base/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace cphfleet {

namespace {

double steady_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

answer bss_error(http::status status, const std::string& rid, std::string_view code, std::string_view msg) {
  return error_answer(status, rid, code, msg);
}

answer bss_json(std::string body) {
  answer a;
  a.body = std::move(body);
  return a;
}

enum bss_api_index : std::size_t { list_api = 0, detail_api = 1, cancel_api = 2 };

}  // namespace

std::vector<billing_price> builtin_prices() {
  return {
      {"physical.rx1.xlarge", "3200.00", "32000.00"},     {"physical.rx1.xlarge.v2", "3400.00", "34000.00"},
      {"physical.kg1.4xlarge.cp", "5600.50", "56005.00"}, {"physical.rx1.xlarge.cg", "4100.25", "41002.50"},
      {"physical.kg1.4xlarge.cg", "7300.75", "73007.50"}, {"*", "2999.99", "29999.90"},
  };
}

std::string multiply_decimal(std::string_view price, std::int64_t factor) {
  const auto point = price.find('.');
  std::string digits(price.substr(0, point));
  std::size_t fraction = 0;
  if (point != std::string_view::npos) {
    fraction = price.size() - point - 1;
    digits += price.substr(point + 1);
  }
  auto mantissa = parse_integer<std::int64_t>(digits);
  if (digits.empty() || !mantissa || *mantissa < 0 || (point != std::string_view::npos && fraction == 0) ||
      digits.front() == '-' || digits.front() == '+')
    throw std::invalid_argument(fmt::format("\"{}\" is not a plain decimal", price));
  std::string out = std::to_string(*mantissa * factor);
  if (fraction == 0) return out;
  if (out.size() <= fraction) out.insert(0, fraction + 1 - out.size(), '0');
  out.insert(out.size() - fraction, ".");
  return out;
}

billing::billing(std::vector<billing_price> prices, double rate_limit)
    : prices_(std::move(prices)),
      rate_limit_(rate_limit),
      buckets_{token_bucket(rate_limit, rate_limit, steady_s()),
               token_bucket(rate_limit, rate_limit, steady_s()),
               token_bucket(rate_limit, rate_limit, steady_s())} {}

const billing_price& billing::price_of(std::string_view server_model_name) const {
  for (const auto& p : prices_)
    if (p.server_model_name == server_model_name) return p;
  for (const auto& p : prices_)
    if (p.server_model_name == "*") return p;
  static const billing_price none{"*", "0", "0"};
  return none;
}

const billing_record& billing::record(const emulator_order& o, const purchase_request& request,
                                      std::int64_t now_ms) {
  const billing_price& price = price_of(o.server_model_name);
  const bool yearly = request.extend_param.period_type == 3;
  const std::string amount =
      multiply_decimal(yearly ? price.per_year : price.per_month, o.count * request.extend_param.period_num);
  billing_record r;
  r.created_ms = now_ms;
  r.order.order_id = o.order_id;
  r.order.service_type_code = std::string(cph_service_type_code);
  r.order.order_type = 1;  // a new purchase
  r.order.official_amount = amount;
  r.order.amount_after_discount = amount;
  r.order.currency = std::string(k_emulator_currency);
  r.order.create_time = bss_time(now_ms / 1000);
  if (o.is_auto_pay == 1) {
    r.order.status = order_status::completed;
    r.order.payment_time = r.order.create_time;
  } else {
    r.order.status = order_status::pending_payment;
  }
  r.line.order_line_item_id = o.order_id + "-1";
  r.line.service_type_code = r.order.service_type_code;
  r.line.product_id = o.product_id;
  r.line.product_spec_desc = fmt::format("{} | {}", o.server_model_name, o.phone_model_name);
  r.line.period_type = static_cast<int>(request.extend_param.period_type);
  r.line.period_num = request.extend_param.period_num;
  r.line.subscription_num = o.count;
  r.line.official_amount = amount;
  r.line.currency = r.order.currency;
  by_id_[o.order_id] = records_.size();
  records_.push_back(std::move(r));
  return records_.back();
}

const billing_record* billing::find(std::string_view order_id) const {
  auto it = by_id_.find(std::string(order_id));
  return it == by_id_.end() ? nullptr : &records_[it->second];
}

bool billing::pay(std::string_view order_id, std::int64_t now_ms) {
  auto it = by_id_.find(std::string(order_id));
  if (it == by_id_.end()) return false;
  bss_order& o = records_[it->second].order;
  if (o.status != order_status::pending_payment) return false;
  o.status = order_status::completed;
  o.payment_time = bss_time(now_ms / 1000);
  return true;
}

cancel_result billing::cancel(std::string_view order_id) {
  auto it = by_id_.find(std::string(order_id));
  if (it == by_id_.end()) return cancel_result::no_such_order;
  bss_order& o = records_[it->second].order;
  if (o.status != order_status::pending_payment) return cancel_result::not_pending;
  o.status = order_status::cancelled;
  return cancel_result::cancelled;
}

void billing::reset() {
  records_.clear();
  by_id_.clear();
  for (auto& b : buckets_) b = token_bucket(rate_limit_, rate_limit_, steady_s());
}

bool billing::serves(std::string_view path) { return path.starts_with(bss_path::customer_orders); }

answer billing::handle(const http::request<http::string_body>& req, std::string_view path,
                       std::string_view query, const std::string& domain_id, const std::string& rid) {
  std::optional<bss_api_index> api;
  std::string order_id;
  if (path == bss_path::customer_orders && req.method() == http::verb::get) {
    api = list_api;
  } else if (path.starts_with(bss_path::order_details_prefix) && req.method() == http::verb::get &&
             path.size() > bss_path::order_details_prefix.size()) {
    api = detail_api;
    order_id = percent_decode(path.substr(bss_path::order_details_prefix.size()));
  } else if (path == bss_path::cancel_order && req.method() == http::verb::put) {
    api = cancel_api;
  }
  if (!api)
    return bss_error(http::status::not_found, rid, "APIGW.0101",
                     "The API does not exist or has not been published in the environment");
  // Global credentials name the account; an emulator started with --domain-id checks it.
  if (!domain_id.empty()) {
    auto it = req.find("X-Domain-Id");
    if (it == req.end())
      return bss_error(http::status::unauthorized, rid, "APIGW.0301",
                       "Incorrect IAM authentication information: X-Domain-Id header is missing");
    if (it->value() != domain_id)
      return bss_error(http::status::unauthorized, rid, "APIGW.0301",
                       "Incorrect IAM authentication information: X-Domain-Id is not this account");
  }
  if (!buckets_[*api].try_take(steady_s()))
    return bss_error(http::status::too_many_requests, rid, "APIGW.0308",
                     fmt::format("The throttling threshold has been reached: policy user over "
                                 "ratelimit,limit:{},time:1 second",
                                 rate_limit_));
  switch (*api) {
    case list_api:
      return list(query, rid);
    case detail_api:
      return detail(order_id, rid);
    default:
      return cancel_answer(req.body(), rid);
  }
}

answer billing::list(std::string_view query, const std::string& rid) {
  parsed_bss_query parsed = parse_bss_list_query(query);
  if (!parsed.query) return bss_error(http::status::bad_request, rid, "CBC.0100", parsed.error);
  const bss_list_query& q = *parsed.query;
  auto begin = q.create_time_begin.empty() ? std::nullopt : parse_bss_time(q.create_time_begin);
  auto end = q.create_time_end.empty() ? std::nullopt : parse_bss_time(q.create_time_end);
  std::vector<const bss_order*> matched;
  for (const auto& r : records_) {
    const std::int64_t created_s = r.created_ms / 1000;
    if (begin && created_s < *begin) continue;
    if (end && created_s > *end) continue;
    if (q.status && r.order.status != *q.status) continue;
    if (!q.order_type.empty() && std::to_string(r.order.order_type) != q.order_type) continue;
    if (!q.service_type_code.empty() && r.order.service_type_code != q.service_type_code) continue;
    matched.push_back(&r.order);
  }
  // Oldest first for createTime; otherwise (and by default) newest first.
  if (!iequals(q.order_by, "createTime")) std::reverse(matched.begin(), matched.end());
  bss_order_page page;
  page.total_count = static_cast<std::int64_t>(matched.size());
  const std::int64_t offset = q.offset.value_or(0);
  const std::int64_t limit = q.limit.value_or(10);  // the model's default
  for (std::int64_t i = offset; i < page.total_count && i < offset + limit; ++i)
    page.orders.push_back(*matched[static_cast<std::size_t>(i)]);
  return bss_json(write_order_page(page));
}

answer billing::detail(std::string_view order_id, const std::string& rid) {
  const billing_record* r = find(order_id);
  if (!r)
    return bss_error(http::status::bad_request, rid, "CBC.0100",
                     "Invalid parameter: the order does not exist (emulated).");
  return bss_json(write_order_detail(bss_order_detail{r->order, {r->line}}));
}

answer billing::cancel_answer(std::string_view body, const std::string& rid) {
  std::string order_id;
  try {
    order_id = read_cancel_request(body);
  } catch (const std::exception& e) {
    return bss_error(http::status::bad_request, rid, "CBC.0100",
                     fmt::format("Invalid parameter: {}", e.what()));
  }
  switch (cancel(order_id)) {
    case cancel_result::cancelled:
      return bss_json("{}");
    case cancel_result::no_such_order:
      return bss_error(http::status::bad_request, rid, "CBC.0100",
                       "Invalid parameter: the order does not exist (emulated).");
    default:
      return bss_error(http::status::bad_request, rid, "CBC.30000067",
                       "The order cannot be cancelled: only an order pending payment can (emulated).");
  }
}

}  // namespace cphfleet
