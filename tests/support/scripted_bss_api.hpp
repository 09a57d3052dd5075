// A bss_api whose orders a test sets up, on manual_clock's virtual time: the billing seam
// (send/bss_api.hpp) without sockets. Orders are added by the test or, wired to a scripted_cph_api's
// on_taken, as the service takes each purchase (auto-pay: completed, else pending payment). Its list
// honours the query's filters as the service does; a test can make the next calls fail. Every call is
// logged.
#pragma once
#include "api/purchase_body.hpp"
#include "base/time_text.hpp"
#include "send/bss_api.hpp"
#include "send/manual_clock.hpp"
#include "send/reconcile.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cphfleet::testing {

struct bss_call {
  enum kind_type { list, detail, cancel } kind = list;
  std::string order_id;  // detail, cancel
  order_query query;     // list
  manual_clock::time_point at;
};

class scripted_bss_api : public bss_api {
 public:
  // An order of `count` servers for `period_num` months, created at `created` (the service's clock).
  void add_order(const std::string& order_id, std::int64_t count, int status,
                 std::chrono::system_clock::time_point created = std::chrono::system_clock::now(),
                 int period_type = 2, std::int64_t period_num = 1) {
    bss_order_detail d;
    d.order.order_id = order_id;
    d.order.service_type_code = std::string(cph_service_type);
    d.order.status = status;
    d.order.order_type = 1;
    d.order.official_amount = "100.00";
    d.order.amount_after_discount = "100.00";
    d.order.currency = "EUR";
    d.order.create_time =
        rfc3339_s(std::chrono::duration_cast<std::chrono::milliseconds>(created.time_since_epoch()).count());
    if (status != order_status::pending_payment) d.order.payment_time = d.order.create_time;
    bss_order_line line;
    line.order_line_item_id = order_id + "-1";
    line.service_type_code = std::string(cph_service_type);
    line.product_id = "p-" + order_id;
    line.period_type = period_type;
    line.period_num = period_num;
    line.subscription_num = count;
    d.lines.push_back(line);
    orders_.push_back(std::move(d));
  }
  // Records a purchase as the billing service does when the CPH service takes it.
  void record_purchase(const std::string& order_id, const purchase_request& r) {
    add_order(order_id, r.count,
              r.extend_param.auto_pay() ? order_status::completed : order_status::pending_payment,
              std::chrono::system_clock::now(), static_cast<int>(r.extend_param.period_type),
              r.extend_param.period_num);
  }
  // The next `times` order lists fail with `http_status`.
  void fail_lists(int http_status, int times) {
    list_failures_.insert(list_failures_.end(), times, http_status);
  }
  // Every detail read of `order_id` fails with `http_status`.
  void fail_details(const std::string& order_id, int http_status) {
    detail_failures_[order_id] = http_status;
  }

  const std::vector<bss_call>& calls() const { return calls_; }
  std::int64_t calls_of(bss_call::kind_type kind) const {
    return std::count_if(calls_.begin(), calls_.end(), [&](const bss_call& c) { return c.kind == kind; });
  }

  net::awaitable<orders_call> list_orders(order_query query, std::chrono::steady_clock::time_point) override {
    calls_.push_back({bss_call::list, {}, query, manual_clock::now()});
    orders_call out;
    if (!list_failures_.empty()) {
      out.report.http_status = list_failures_.front();
      out.report.error_msg = "Internal Server Error";
      list_failures_.pop_front();
      co_return out;
    }
    out.report.http_status = 200;
    for (const auto& d : orders_) {
      auto created = parse_utc_rfc3339(d.order.create_time);
      std::int64_t created_s = std::chrono::floor<std::chrono::seconds>(created->time_since_epoch()).count();
      if (query.create_begin_s && created_s < *query.create_begin_s) continue;
      if (query.create_end_s && created_s > *query.create_end_s) continue;
      if (query.status && d.order.status != *query.status) continue;
      if (!query.service_type_code.empty() && d.order.service_type_code != query.service_type_code) continue;
      out.orders.push_back(d.order);
    }
    co_return out;
  }

  net::awaitable<order_detail_call> order_detail(std::string order_id,
                                                 std::chrono::steady_clock::time_point) override {
    calls_.push_back({bss_call::detail, order_id, {}, manual_clock::now()});
    order_detail_call out;
    if (auto f = detail_failures_.find(order_id); f != detail_failures_.end()) {
      out.report.http_status = f->second;
      out.report.error_msg = "Internal Server Error";
      co_return out;
    }
    for (const auto& d : orders_) {
      if (d.order.order_id != order_id) continue;
      out.report.http_status = 200;
      out.detail = d;
      co_return out;
    }
    out.report.http_status = 404;
    out.report.error_code = "CBC.0101";
    out.report.error_msg = "The order does not exist.";
    co_return out;
  }

  net::awaitable<call_report> cancel_order(std::string order_id,
                                           std::chrono::steady_clock::time_point) override {
    calls_.push_back({bss_call::cancel, order_id, {}, manual_clock::now()});
    call_report r;
    r.http_status = 404;
    for (auto& d : orders_) {
      if (d.order.order_id != order_id || d.order.status != order_status::pending_payment) continue;
      d.order.status = order_status::cancelled;
      r.http_status = 200;
    }
    co_return r;
  }

 private:
  std::vector<bss_order_detail> orders_;
  std::deque<int> list_failures_;
  std::map<std::string, int> detail_failures_;
  std::vector<bss_call> calls_;
};

}  // namespace cphfleet::testing
