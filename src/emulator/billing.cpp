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

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

answer bss_error(http::status status, const std::string& rid, std::string_view code, std::string_view msg) {
  return error_answer(status, rid, code, msg);
}

answer bss_json(std::string body) {
  answer a;
  a.body = std::move(body);
  return a;
}

answer invalid(const std::string& rid, std::string_view what) {
  return bss_error(http::status::bad_request, rid, "CBC.0100", fmt::format("Invalid parameter: {}", what));
}

answer no_such_order(const std::string& rid) { return invalid(rid, "the order does not exist (emulated)."); }

enum bss_api_index : std::size_t {
  list_api = 0,
  detail_api = 1,
  cancel_api = 2,
  pay_api = 3,
  resources_api = 4,
  rate_api = 5,
};
constexpr std::size_t k_bss_api_count = 6;

// A price of the table: written by hand, so a typo is a bug here.
decimal price(std::string_view text) {
  auto d = decimal::parse(text);
  if (!d) throw std::logic_error(fmt::format("emulator price \"{}\" is not a decimal", text));
  return *d;
}

// The region of a zone: "cn-north-4a" is in "cn-north-4".
std::string region_of_zone(std::string_view zone) {
  while (!zone.empty() && zone.back() >= 'a' && zone.back() <= 'z') zone.remove_suffix(1);
  return std::string(zone);
}

}  // namespace

std::vector<billing_price> builtin_prices() {
  return {
      {"physical.rx1.xlarge", price("3200.00"), price("32000.00")},
      {"physical.rx1.xlarge.v2", price("3400.00"), price("34000.00")},
      {"physical.kg1.4xlarge.cp", price("5600.50"), price("56005.00")},
      {"physical.rx1.xlarge.cg", price("4100.25"), price("41002.50")},
      {"physical.kg1.4xlarge.cg", price("7300.75"), price("73007.50")},
      {"*", price("2999.99"), price("29999.90")},
  };
}

billing_codes billing_codes_for(std::string_view server_model_name) {
  return {std::string(cph_service_type_code), std::string(k_emulator_resource_type),
          fmt::format("{}.cph", server_model_name)};
}

billing::billing(std::vector<billing_price> prices, double rate_limit, std::int64_t pay_ms)
    : prices_(std::move(prices)), rate_limit_(rate_limit), pay_ms_(pay_ms) {
  buckets_.assign(k_bss_api_count, token_bucket(rate_limit, rate_limit, steady_s()));
}

decimal billing::amount_of(std::string_view server_model_name, int period_type, std::int64_t period_num,
                           std::int64_t count) const {
  const billing_price& p = price_of(server_model_name);
  return (period_type == 3 ? p.per_year : p.per_month).times(period_num).times(count);
}

const billing_price& billing::price_of(std::string_view server_model_name) const {
  for (const auto& p : prices_)
    if (p.server_model_name == server_model_name) return p;
  for (const auto& p : prices_)
    if (p.server_model_name == "*") return p;
  static const billing_price none{"*", decimal(), decimal()};
  return none;
}

const billing_record& billing::record(const emulator_order& o, const purchase_request& request,
                                      std::int64_t now_ms) {
  const std::string amount =
      amount_of(o.server_model_name, static_cast<int>(request.extend_param.period_type),
                request.extend_param.period_num, o.count)
          .text();
  billing_record r;
  r.server_model_name = o.server_model_name;
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
    r.pay_count = 1;
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

billing_record* billing::find_record(std::string_view order_id) {
  auto it = by_id_.find(std::string(order_id));
  return it == by_id_.end() ? nullptr : &records_[it->second];
}

bool billing::pay(std::string_view order_id, std::int64_t now_ms) {
  billing_record* r = find_record(order_id);
  if (!r || r->order.status != order_status::pending_payment) return false;
  r->order.status = order_status::completed;
  r->order.payment_time = bss_time(now_ms / 1000);
  ++r->pay_count;
  return true;
}

pay_result billing::start_payment(std::string_view order_id, std::int64_t now_ms) {
  auto it = by_id_.find(std::string(order_id));
  if (it == by_id_.end()) return pay_result::no_such_order;
  billing_record& r = records_[it->second];
  if (r.order.status == order_status::processing) return pay_result::under_way;
  if (r.order.status != order_status::pending_payment) return pay_result::not_pending;
  r.order.status = order_status::processing;
  r.pay_due_ms = now_ms + pay_ms_;
  ++r.pay_count;
  processing_.push_back(it->second);
  return pay_result::started;
}

std::vector<std::pair<std::string, std::int64_t>> billing::due_payments(std::int64_t now_ms) const {
  std::vector<std::pair<std::string, std::int64_t>> due;
  for (std::size_t i : processing_)
    if (records_[i].pay_due_ms <= now_ms)
      due.emplace_back(records_[i].order.order_id, records_[i].pay_due_ms);
  std::stable_sort(due.begin(), due.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  return due;
}

void billing::complete(std::string_view order_id, std::int64_t at_ms) {
  auto it = by_id_.find(std::string(order_id));
  if (it == by_id_.end()) return;
  billing_record& r = records_[it->second];
  if (r.order.status != order_status::processing) return;
  r.order.status = order_status::completed;
  r.order.payment_time = bss_time(at_ms / 1000);
  std::erase(processing_, it->second);
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
  processing_.clear();
  for (auto& b : buckets_) b = token_bucket(rate_limit_, rate_limit_, steady_s());
}

bool billing::serves(std::string_view path) {
  return path.starts_with(bss_path::customer_orders) || path == bss_path::pay_orders ||
         path == bss_path::order_resources || path == bss_path::period_rate;
}

bool billing::is_pay(http::verb method, std::string_view path) {
  return method == http::verb::post && path == bss_path::pay_orders;
}

answer billing::handle(const http::request<http::string_body>& req, std::string_view path,
                       std::string_view query, const std::string& domain_id, const std::string& rid,
                       const emulator_state& state, fault_plan& faults) {
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
  } else if (is_pay(req.method(), path)) {
    api = pay_api;
  } else if (path == bss_path::order_resources && req.method() == http::verb::post) {
    api = resources_api;
  } else if (path == bss_path::period_rate && req.method() == http::verb::post) {
    api = rate_api;
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
    case cancel_api:
      return cancel_answer(req.body(), rid);
    case pay_api:
      return pay_answer(req.body(), rid, faults);
    case resources_api:
      return resources_answer(req.body(), rid, state);
    default:
      return rate_answer_of(req.body(), rid, state);
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
  if (!r) return no_such_order(rid);
  return bss_json(write_order_detail(bss_order_detail{r->order, {r->line}}));
}

answer billing::cancel_answer(std::string_view body, const std::string& rid) {
  std::string order_id;
  try {
    order_id = read_cancel_request(body);
  } catch (const std::exception& e) {
    return invalid(rid, e.what());
  }
  switch (cancel(order_id)) {
    case cancel_result::cancelled:
      return bss_json("{}");
    case cancel_result::no_such_order:
      return no_such_order(rid);
    default:
      return bss_error(http::status::bad_request, rid, "CBC.30000067",
                       "The order cannot be cancelled: only an order pending payment can (emulated).");
  }
}

answer billing::pay_answer(std::string_view body, const std::string& rid, fault_plan& faults) {
  // One draw per call past the throttle, whatever the call says (as a purchase's fault).
  const fault_kind fault = faults.next_pay();
  pay_request request;
  try {
    request = read_pay_request(body);
  } catch (const std::exception& e) {
    return invalid(rid, e.what());
  }
  switch (start_payment(request.order_id, wall_ms())) {
    case pay_result::started: {
      answer a;
      a.status = http::status::no_content;
      if (fault == fault_kind::pay_drop) a.act = answer_action::drop;
      return a;
    }
    case pay_result::no_such_order:
      return no_such_order(rid);
    case pay_result::under_way:
      return bss_error(http::status::bad_request, rid, k_payment_under_way,
                       "The payment of this order is under way: nothing is paid again (emulated).");
    default:
      // The real code for this refusal is not published: the emulator's own.
      return bss_error(http::status::bad_request, rid, "CBC.30000010",
                       "The order is not pending payment (emulated).");
  }
}

answer billing::resources_answer(std::string_view body, const std::string& rid, const emulator_state& state) {
  resources_query q;
  try {
    q = read_resources_query(body);
  } catch (const std::exception& e) {
    return invalid(rid, e.what());
  }
  if (q.order_id.empty()) return invalid(rid, "order_id: the emulator queries by order only.");
  const std::int64_t offset = q.offset.value_or(0);
  const std::int64_t limit = q.limit.value_or(10);  // the model's default
  if (offset < 0) return invalid(rid, "offset.");
  if (limit < 1) return invalid(rid, "limit.");
  const billing_record* r = find(q.order_id);
  const emulator_order* o = state.find_order(q.order_id);
  if (!r || !o) return no_such_order(rid);
  const billing_codes codes = billing_codes_for(r->server_model_name);
  const std::string region =
      region_of_zone(o->availability_zone.empty() ? state.availability_zone() : o->availability_zone);
  order_resources_page page;
  page.total_count = o->count;
  for (std::int64_t n = offset; n < o->count && n < offset + limit; ++n) {
    const auto i = static_cast<std::size_t>(n);
    order_resource res;
    // The servers once the order is paid; before, placeholders numbered from 1.
    res.resource_id = i < o->server_ids.size() ? o->server_ids[i] : fmt::format("{}-{}", o->order_id, n + 1);
    res.id = res.resource_id;
    res.region_code = region;
    res.service_type_code = codes.cloud_service_type;
    res.resource_type_code = codes.resource_type;
    res.resource_spec_code = codes.resource_spec;
    res.product_id = r->line.product_id;
    res.product_spec_desc = r->line.product_spec_desc;
    res.is_main_resource = 1;
    res.status = i < o->server_ids.size() ? 2 : 0;  // 2: in use
    page.resources.push_back(std::move(res));
  }
  return bss_json(write_order_resources(page));
}

answer billing::rate_answer_of(std::string_view body, const std::string& rid, const emulator_state& state) {
  rate_request request;
  try {
    request = read_rate_request(body);
  } catch (const std::exception& e) {
    return invalid(rid, e.what());
  }
  if (request.products.empty()) return invalid(rid, "product_infos: must name at least one product.");
  rate_answer out;
  out.currency = std::string(k_emulator_currency);
  decimal total;
  for (std::size_t i = 0; i < request.products.size(); ++i) {
    const rate_product& p = request.products[i];
    const std::string at = fmt::format("product_infos[{}]", i);
    const server_model* flavor = nullptr;
    for (const auto& m : state.catalog_data().server_models) {
      const billing_codes codes = billing_codes_for(m.server_model_name);
      if (codes.cloud_service_type == p.cloud_service_type && codes.resource_type == p.resource_type &&
          codes.resource_spec == p.resource_spec)
        flavor = &m;
    }
    if (!flavor)
      return invalid(rid, fmt::format("{}: no product has these codes (cloud_service_type \"{}\", "
                                      "resource_type \"{}\", resource_spec \"{}\") (emulated).",
                                      at, p.cloud_service_type, p.resource_type, p.resource_spec));
    if (p.period_type != 2 && p.period_type != 3)
      return invalid(rid,
                     fmt::format("{}.period_type: the emulator prices months (2) and years (3) only.", at));
    if (p.period_num < 1) return invalid(rid, fmt::format("{}.period_num: must be at least 1.", at));
    if (p.subscription_num < 1)
      return invalid(rid, fmt::format("{}.subscription_num: must be at least 1.", at));
    decimal amount;
    try {
      amount = amount_of(flavor->server_model_name, p.period_type, p.period_num, p.subscription_num);
      total += amount;
    } catch (const std::overflow_error&) {
      return invalid(rid, fmt::format("{}: the amount is too large.", at));
    }
    out.products.push_back({p.id, product_id_for(flavor->server_model_name), amount.text()});
  }
  out.official_website_amount = total.text();
  return bss_json(write_rate_answer(out));
}

}  // namespace cphfleet
